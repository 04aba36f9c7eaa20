using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace MediaOffload.TestSupport;

/// <summary>
/// A real HTTP proxy on 127.0.0.1 in front of moto_server that misbehaves on request, the way some S3-compatible
/// servers and IAM policies do: it can drop <c>Content-MD5</c> and corrupt a PUT body (a server that ignores the
/// header), or answer a HEAD of a missing key with 403 (S3 without unconditional <c>s3:ListBucket</c>).
/// </summary>
public sealed class S3Proxy : IAsyncDisposable
{
    private static readonly string[] HopHeaders = ["Host", "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive", "Expect"];
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None });

    private S3Proxy(WebApplication app, string upstream)
    {
        _app = app;
        Upstream = upstream;
        Endpoint = app.Urls.First().TrimEnd('/');
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234</c>; point the S3 client here.</summary>
    public string Endpoint { get; }

    public string Upstream { get; }

    /// <summary>Drop Content-MD5 from PUTs and flip a byte of their payload, as a server that ignores the header would store.</summary>
    public bool CorruptPuts { get; set; }

    /// <summary>Answer every HEAD that moto answers 404 with 403, as S3 does without unconditional s3:ListBucket.</summary>
    public bool ForbidMissingHeads { get; set; }

    /// <summary>Answer every HEAD with 403.</summary>
    public bool ForbidAllHeads { get; set; }

    /// <summary>
    /// Apply <c>x-amz-copy-source-if-match</c> as S3 documents it (412 when the source's ETag differs), which moto 5.2
    /// ignores. Default true.
    /// </summary>
    public bool EnforceCopySourceIfMatch { get; set; } = true;

    public static async Task<S3Proxy> StartAsync(string upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        S3Proxy? proxy = null;
        app.Run(context => proxy!.ForwardAsync(context));
        await app.StartAsync();
        proxy = new S3Proxy(app, upstream.TrimEnd('/'));
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), Upstream + target);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        if (EnforceCopySourceIfMatch && await CopySourceChangedAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status412PreconditionFailed;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync("<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>");
            return;
        }

        var isPut = HttpMethods.IsPut(context.Request.Method) && bytes.Length > 0;
        if (isPut && CorruptPuts)
        {
            // The middle, not the end: an aws-chunked body ends in its trailer, not in the payload.
            bytes[bytes.Length / 2] ^= 0xFF;
        }

        request.Content = new ByteArrayContent(bytes);
        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopHeaders.Contains(name, StringComparer.OrdinalIgnoreCase) || (CorruptPuts && name.Equals("Content-MD5", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        if (HttpMethods.IsHead(context.Request.Method) && (ForbidAllHeads || (ForbidMissingHeads && status == 404)))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        context.Response.StatusCode = status;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        context.Response.ContentLength = response.Content.Headers.ContentLength;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Content.CopyToAsync(context.Response.Body);
        }
    }

    /// <summary>True for a copy whose <c>x-amz-copy-source-if-match</c> names another ETag than the source has now.</summary>
    private async Task<bool> CopySourceChangedAsync(HttpContext context)
    {
        var source = context.Request.Headers["x-amz-copy-source"].ToString();
        var wanted = context.Request.Headers["x-amz-copy-source-if-match"].ToString();
        if (!HttpMethods.IsPut(context.Request.Method) || source.Length == 0 || wanted.Length == 0)
        {
            return false;
        }

        // A signed HEAD of the source, as the emulator refuses unsigned requests.
        var path = Uri.UnescapeDataString(source.TrimStart('/'));
        var slash = path.IndexOf('/');
        using var client = new Amazon.S3.AmazonS3Client(MotoServer.Credentials, new Amazon.S3.AmazonS3Config { ServiceURL = Upstream, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
        try
        {
            var head = await client.GetObjectMetadataAsync(path[..slash], path[(slash + 1)..]);
            return head.ETag.Trim('"') != wanted.Trim('"');
        }
        catch (Amazon.S3.AmazonS3Exception)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
