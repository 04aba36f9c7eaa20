using MediaOffload.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddMediaOffload();

// On Lambda the AWS Lambda Web Adapter turns every event into an HTTP request, so the app stays plain ASP.NET Core.
// Should Amazon.Lambda.AspNetCoreServer.Hosting become available, this one line would replace the adapter:
// builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);

var app = builder.Build();
app.MapMediaOffload();
app.Run();
