using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Signing;
using MediaOffload.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaOffload.Api.Tests;

/// <summary>
/// The service as it runs locally: the real app on Kestrel (127.0.0.1, free port), a real moto_server, a real HTTP
/// origin, and every log line captured so tests can check what was (and was not) logged.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    public const string Secret = "test-secret-0123456789abcdef0123456789abcdef";

    private readonly WebApplication _app;

    private ServiceHost(WebApplication app, MotoServer moto, LoopbackOrigin origin, string mediaBucket, string controlBucket, CapturedLogs logs)
    {
        _app = app;
        Moto = moto;
        Origin = origin;
        MediaBucket = mediaBucket;
        ControlBucket = controlBucket;
        Logs = logs;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        S3 = moto.CreateClient();
    }

    public MotoServer Moto { get; }
    public LoopbackOrigin Origin { get; }
    public string MediaBucket { get; }
    public string ControlBucket { get; }
    public CapturedLogs Logs { get; }
    public HttpClient Http { get; }
    public IAmazonS3 S3 { get; }
    public LocalNotifier Notifier => _app.Services.GetRequiredService<LocalNotifier>();
    public IServiceProvider Services => _app.Services;

    /// <param name="buckets">Fixed bucket names (created here); by default each host gets fresh unique buckets.</param>
    public static async Task<ServiceHost> StartAsync(Action<Dictionary<string, string?>>? configure = null, (string Media, string Control)? buckets = null)
    {
        var moto = await MotoServer.Shared;
        var origin = await LoopbackOrigin.StartAsync();
        string media, control;
        if (buckets is { } fixedNames)
        {
            (media, control) = fixedNames;
            using var client = moto.CreateClient();
            await client.PutBucketAsync(media);
            await client.PutBucketAsync(control);
        }
        else
        {
            media = await moto.CreateBucketAsync("media");
            control = await moto.CreateBucketAsync("control");
        }
        var settings = new Dictionary<string, string?>
        {
            ["Offload:Role"] = "local",
            ["Offload:MediaBucket"] = media,
            ["Offload:ControlBucket"] = control,
            ["Offload:S3:ServiceUrl"] = moto.Endpoint,
            ["Offload:SigningSecrets:0"] = Secret,
            ["Offload:AllowedOrigins:0"] = origin.BaseUrl,
            ["Offload:AllowHttp"] = "true",
            ["Offload:AllowPrivateNetworks"] = "true",
            ["Offload:Origin:RetryBaseDelay"] = "00:00:00.050",
        };
        configure?.Invoke(settings);
        var logs = new CapturedLogs();
        var app = Build(settings, logs);
        await app.StartAsync();
        return new ServiceHost(app, moto, origin, media, control, logs);
    }

    /// <summary>Builds the app exactly as Program.cs does, with test configuration and captured logs.</summary>
    public static WebApplication Build(IDictionary<string, string?> settings, CapturedLogs logs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(MediaOffloadHosting).Assembly.GetName().Name,
            EnvironmentName = "Testing",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddMediaOffload();
        var app = builder.Build();
        app.MapMediaOffload();
        return app;
    }

    /// <summary>Posts a body signed as the shim signs it.</summary>
    public Task<HttpResponseMessage> PostSignedAsync(string path, byte[] body, string secret = Secret, long? timestamp = null, Action<HttpRequestMessage>? tamper = null)
    {
        var ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(RequestSigner.TimestampHeader, ts.ToString());
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(secret, SigningAudience.Service, ts, "POST", path, body));
        tamper?.Invoke(request);
        return Http.SendAsync(request);
    }

    /// <summary>Keys in a bucket.</summary>
    public async Task<List<string>> KeysAsync(string bucket, string prefix = "")
    {
        var response = await S3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        return (response.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        S3.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Origin.DisposeAsync();
    }

    public static string Md5(byte[] data) => Convert.ToHexStringLower(MD5.HashData(data));

    /// <summary>Bytes that pass the JPEG signature check, with a recognisable body.</summary>
    public static byte[] FakeJpeg(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        data[0] = 0xFF;
        data[1] = 0xD8;
        data[2] = 0xFF;
        data[3] = 0xE0;
        return data;
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}

/// <summary>Every formatted log line and exception text, thread-safe.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | {values} | {exception}");
        }
    }
}
