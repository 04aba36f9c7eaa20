using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MediaOffload.Api.Http;
using MediaOffload.Api.Json;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;

namespace MediaOffload.Api.Tests;

/// <summary>
/// Pins the JSON the Api reads and writes: S3 event notifications (AWS's field names, <c>Records</c>, <c>s3</c>,
/// <c>eTag</c>), the event endpoints' outcomes and the minimal-API answers, through the running app.
/// </summary>
public sealed class WireFormatTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private const string NotificationJson =
        """{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2024-05-01T10:00:00+00:00","eventName":"ObjectCreated:Put","s3":{"s3SchemaVersion":"1.0","configurationId":"local-notifier","bucket":{"name":"b","arn":"arn:aws:s3:::b"},"object":{"key":"jobs/j.json","size":3,"eTag":"abc","sequencer":"08DC69C576A89000"}}}]}""";

    [Fact]
    public void S3NotificationToJson_Record_WritesAwsFieldNames()
    {
        var at = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);
        var notification = new S3Notification([S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, "b", "jobs/j.json", 3, "\"abc\"", at)]);

        Assert.Equal(NotificationJson, Encoding.UTF8.GetString(S3Notification.ToJson(notification)));
    }

    [Fact]
    public void S3NotificationFromJson_SampleEvent_ReadsTheRecord()
    {
        var sample = File.ReadAllBytes(Path.Combine(MediaOffload.TestSupport.RepositoryRoot.Path, "events", "offload-job-created.json"));

        var record = Assert.Single(S3Notification.FromJson(sample)!.Records!);

        Assert.Equal(("ObjectCreated:Put", "aws:s3"), (record.EventName, record.EventSource));
        Assert.False(string.IsNullOrEmpty(record.S3!.Bucket!.Name));
        Assert.StartsWith("jobs/", record.S3.Object!.Key);
    }

    [Fact]
    public async Task PostOffloadEvent_IgnoredRecord_AnswersWithPinnedOutcomeNames()
    {
        var notification = new S3Notification([S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.ControlBucket, "checkpoints/x.json")]);
        using var content = new ByteArrayContent(S3Notification.ToJson(notification));
        content.Headers.ContentType = new("application/json");

        var response = await _host.Http.PostAsync("/events/offload", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["records"]![0]!.AsObject();
        Assert.Equal(["bucket", "key", "eventName", "status", "reason", "files"], record.Select(p => p.Key));
        Assert.Equal("Ignored", (string?)record["status"]);
    }

    [Fact]
    public void EventResponse_FileOutcomes_KeepTheirNamesAndEnumStrings()
    {
        var response = new EventResponse([new RecordOutcome("b", "k", "ObjectCreated:Put", RecordStatus.Failed, "r", [new FileOutcome("p", "k", FileStatus.Refused, 5, "owner")])]);

        Assert.Equal(
            """{"records":[{"bucket":"b","key":"k","eventName":"ObjectCreated:Put","status":"Failed","reason":"r","files":[{"path":"p","key":"k","status":"Refused","bytes":5,"reason":"owner"}]}]}""",
            System.Text.Json.JsonSerializer.Serialize(response, ApiJsonContext.Default.EventResponse));
    }

    [Fact]
    public async Task GetHealthz_Running_AnswersStatusOk()
    {
        var response = await _host.Http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostOffloadEvent_NotJson_AnswersProblemDetails()
    {
        using var content = new StringContent("{\"nope\":1}", Encoding.UTF8, "application/json");

        var response = await _host.Http.PostAsync("/events/offload", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(400, (int?)problem["status"]);
        Assert.Equal("Unrecognised event", (string?)problem["title"]);
    }
}
