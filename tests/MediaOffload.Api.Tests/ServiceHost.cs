using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MediaOffload.Api.Http;
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
    /// <param name="services">Replaces services before the app registers its own (they are added with TryAdd).</param>
    public static async Task<ServiceHost> StartAsync(Action<Dictionary<string, string?>>? configure = null, (string Media, string Control)? buckets = null, Action<IServiceCollection>? services = null)
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
        var app = Build(settings, logs, services);
        await app.StartAsync();
        return new ServiceHost(app, moto, origin, media, control, logs);
    }

    /// <summary>Builds the app exactly as Program.cs does, with test configuration and captured logs.</summary>
    public static WebApplication Build(IDictionary<string, string?> settings, CapturedLogs logs, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(MediaOffloadHosting).Assembly.GetName().Name,
            EnvironmentName = "Testing",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        services?.Invoke(builder.Services);
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

    /// <summary>Sends a GET signed as the plugin signs it (an empty body).</summary>
    public Task<HttpResponseMessage> GetSignedAsync(string path, string secret = Secret, long? timestamp = null)
    {
        var ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(RequestSigner.TimestampHeader, ts.ToString());
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(secret, SigningAudience.Service, ts, "GET", path, []));
        return Http.SendAsync(request);
    }

    /// <summary>
    /// Sends a request exactly as written, bypassing <see cref="HttpClient"/>, which would already resolve
    /// <c>%2e%2e</c> and <c>..</c> in the target. Returns the status code and the body.
    /// </summary>
    public async Task<(int Status, string Body)> SendRawAsync(string method, string target, string body = "")
    {
        var uri = Http.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var bytes = Encoding.UTF8.GetBytes(body);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    /// <summary>Invokes the Reconciler as the schedule or a backfill does; asserts a 200 and returns its answer.</summary>
    public async Task<RunAnswer> InvokeReconcilerAsync(object payload)
    {
        var response = await Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, payload);
        var answer = await response.Content.ReadFromJsonAsync<RunAnswer>();
        Xunit.Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"{(int)response.StatusCode}: {answer?.Error}");
        return answer!;
    }

    /// <summary>
    /// The plugin's side of a local uploads folder: every file served at its URL and listed, in byte order of path, in
    /// the signed manifest, each owned by its own attachment unless <paramref name="attachmentId"/> owns them all.
    /// </summary>
    public void ServeAsWordPress(string uploads, int pageSize, long? attachmentId = null)
    {
        var manifest = new List<object>();
        var id = 10L;
        foreach (var full in Directory.EnumerateFiles(uploads, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var path = Path.GetRelativePath(uploads, full).Replace('\\', '/');
            var bytes = File.ReadAllBytes(full);
            Origin.ServeFile(path, full);
            manifest.Add(new
            {
                path,
                size = bytes.Length,
                md5 = Md5(bytes),
                mime = Core.Media.MediaTypes.ForExtension(Path.GetExtension(path).TrimStart('.'))!.ContentType,
                modified = "2024-05-01T10:00:00Z",
                attachmentId = attachmentId ?? id++,
            });
        }

        Origin.ServeManifest(manifest, pageSize, Secret);
    }

    /// <summary>Gives an object another Cache-Control by a copy in place, as an out-of-band edit would; the rest stays.</summary>
    public async Task SetCacheControlAsync(string bucket, string key, string cacheControl)
    {
        var head = await S3.GetObjectMetadataAsync(bucket, key);
        var copy = new Amazon.S3.Model.CopyObjectRequest
        {
            SourceBucket = bucket, SourceKey = key, DestinationBucket = bucket, DestinationKey = key,
            MetadataDirective = S3MetadataDirective.REPLACE, ContentType = head.Headers.ContentType,
        };
        copy.Headers.CacheControl = cacheControl;
        foreach (var name in head.Metadata.Keys)
        {
            copy.Metadata.Add(name, head.Metadata[name]);
        }

        await S3.CopyObjectAsync(copy);
    }

    /// <summary>Waits until every one of <paramref name="keys"/> is in <paramref name="bucket"/>.</summary>
    public async Task WaitForKeysAsync(string bucket, params string[] keys)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!keys.All((await KeysAsync(bucket)).Contains))
        {
            Xunit.Assert.True(DateTime.UtcNow < deadline, $"{string.Join(", ", keys)} did not all appear");
            await Task.Delay(100);
        }
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
