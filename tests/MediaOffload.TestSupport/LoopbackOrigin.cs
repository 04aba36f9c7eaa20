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

    /// <summary>How many requests reached a path.</summary>
    public int Hits(string path) => _hits.TryGetValue(UploadsPath + path, out var n) ? n : 0;

    public int TotalHits => _hits.Values.Sum();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
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

        await context.Response.Body.WriteAsync(route.Content);
    }

    private sealed record Route(byte[]? Content, string? FilePath, string? Location, int FailFirst, bool Chunked);
}
