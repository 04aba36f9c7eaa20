using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MediaOffload.TestSupport;

/// <summary>
/// A real HTTP origin on 127.0.0.1 standing in for a WordPress site's uploads folder, with scriptable misbehaviour:
/// failures, redirects, short bodies.
/// </summary>
public sealed class LoopbackOrigin : IAsyncDisposable
{
    public const string UploadsPath = "/wp-content/uploads/";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);

    private LoopbackOrigin(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Urls.First().TrimEnd('/');
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    public static async Task<LoopbackOrigin> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        LoopbackOrigin? origin = null;
        app.Run(context => origin!.HandleAsync(context));
        await app.StartAsync();
        origin = new LoopbackOrigin(app);
        return origin;
    }

    /// <summary>The URL WordPress would give an uploads-relative path, percent-encoded per segment.</summary>
    public string UrlFor(string path) => BaseUrl + UploadsPath + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Serves bytes at an uploads-relative path.</summary>
    public void Serve(string path, byte[] content, int failFirst = 0, bool chunked = false) =>
        _routes[UploadsPath + path] = new Route(content, null, null, failFirst, chunked);

    /// <summary>Serves a file from disk, streamed, for large-file tests.</summary>
    public void ServeFile(string path, string filePath) => _routes[UploadsPath + path] = new Route(null, filePath, null, 0, false);

    /// <summary>Answers a path with a 302 to <paramref name="location"/>.</summary>
    public void Redirect(string path, string location) => _routes[UploadsPath + path] = new Route(null, null, location, 0, false);

    /// <summary>
    /// Serves bytes with their full Content-Length but sends them one at a time, <paramref name="interval"/> apart;
    /// with <c>Timeout.InfiniteTimeSpan</c> it sends the headers and then nothing.
    /// </summary>
    public void Trickle(string path, byte[] content, TimeSpan interval) =>
        _routes[UploadsPath + path] = new Route(content, null, null, 0, false, interval);

    /// <summary>Answers the manifest route with a 302 to <paramref name="location"/> instead of a page.</summary>
    public void RedirectManifest(string location) => _manifestRedirect = location;

    /// <summary>Sends each manifest page one byte at a time, <paramref name="interval"/> apart.</summary>
    public void TrickleManifest(TimeSpan interval) => _manifestTrickle = interval;

    /// <summary>The signature headers of every request that reached any path, for log-secrecy checks.</summary>
    public IReadOnlyCollection<string> SignaturesSeen => _signatures;

    /// <summary>
    /// Serves the plugin's manifest route in pages of <paramref name="pageSize"/>, answering 401 unless the request
    /// carries a valid signature made with <paramref name="secret"/>, as the plugin does.
    /// </summary>
    /// <param name="sitePath">The site's path below the origin, e.g. <c>/site2</c> for a network's second site. Default the origin's root.</param>
    public void ServeManifest(IReadOnlyList<object> files, int pageSize, string secret, string sitePath = "")
    {
        _manifests[sitePath + ManifestRoute] = (files, pageSize, secret);
    }

    /// <summary>How many requests reached a path.</summary>
    public int Hits(string path) => _hits.TryGetValue(UploadsPath + path, out var n) ? n : 0;

    public int TotalHits => _hits.Values.Sum();

    /// <summary>How many requests reached an absolute path, e.g. <c>/wp-config.php</c>.</summary>
    public int HitsAt(string absolutePath) => _hits.TryGetValue(absolutePath, out var n) ? n : 0;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private readonly ConcurrentDictionary<string, (IReadOnlyList<object> Files, int PageSize, string Secret)> _manifests = new(StringComparer.Ordinal);
    private string? _manifestRedirect;
    private TimeSpan? _manifestTrickle;
    private readonly ConcurrentQueue<string> _signatures = new();

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Headers.TryGetValue("X-MediaOffload-Signature", out var presented))
        {
            _signatures.Enqueue(presented.ToString());
        }

        if (context.Request.Path == ManifestRoute && _manifestRedirect is { } redirect)
        {
            _hits.AddOrUpdate(ManifestRoute, 1, (_, n) => n + 1);
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = redirect;
            return;
        }

        if (_manifests.TryGetValue(context.Request.Path.Value ?? string.Empty, out var manifest))
        {
            await ServeManifestPageAsync(context, manifest.Files, manifest.PageSize, manifest.Secret);
            return;
        }

        var path = Uri.UnescapeDataString(context.Request.Path.Value ?? string.Empty);
        var hit = _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (!_routes.TryGetValue(path, out var route))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (hit <= route.FailFirst)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        if (route.Location is not null)
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = route.Location;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        if (route.FilePath is not null)
        {
            await context.Response.SendFileAsync(route.FilePath);
            return;
        }

        if (!route.Chunked)
        {
            context.Response.ContentLength = route.Content!.Length;
        }

        if (route.Trickle is { } interval)
        {
            await TrickleAsync(context, route.Content!, interval);
            return;
        }

        await context.Response.Body.WriteAsync(route.Content);
    }

    private static async Task TrickleAsync(HttpContext context, byte[] content, TimeSpan interval)
    {
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            foreach (var b in content)
            {
                await Task.Delay(interval == Timeout.InfiniteTimeSpan ? TimeSpan.FromHours(1) : interval, context.RequestAborted);
                await context.Response.Body.WriteAsync(new[] { b }, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client gave up, as it should.
        }
    }

    /// <summary>The manifest route as the plugin registers it.</summary>
    public const string ManifestRoute = "/wp-json/media-offload/v1/manifest";

    private async Task ServeManifestPageAsync(HttpContext context, IReadOnlyList<object> files, int pageSize, string secret)
    {
        _hits.AddOrUpdate(ManifestRoute, 1, (_, n) => n + 1);
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget;
        var timestamp = context.Request.Headers["X-MediaOffload-Timestamp"].ToString();
        var signature = context.Request.Headers["X-MediaOffload-Signature"].ToString();
        var canonical = $"v2\nplugin\n{timestamp}\nGET\n{target}\n{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Array.Empty<byte>()))}";
        var expected = "v2=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(canonical)));
        var fresh = long.TryParse(timestamp, out var ts) && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ts) <= 300;
        if (!fresh || signature != expected)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var start = int.TryParse(context.Request.Query["cursor"], out var c) ? c : 0;
        var limit = Math.Min(pageSize, int.TryParse(context.Request.Query["limit"], out var l) && l > 0 ? l : pageSize);
        var page = files.Skip(start).Take(limit).ToArray();
        var next = start + page.Length < files.Count ? (start + page.Length).ToString() : null;
        if (_manifestTrickle is { } interval)
        {
            await TrickleAsync(context, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { files = page, nextCursor = next }), interval);
            return;
        }

        await context.Response.WriteAsJsonAsync(new { files = page, nextCursor = next });
    }

    private sealed record Route(byte[]? Content, string? FilePath, string? Location, int FailFirst, bool Chunked, TimeSpan? Trickle = null);
}
