using System.Net;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Origins;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Origin;

/// <summary>
/// Fetches files from the WordPress origin under the rules of README, "Rules the service keeps": allowlisted origins only, https unless
/// allowed otherwise, same-origin redirects only, and no private or metadata addresses after DNS resolution.
/// </summary>
public sealed class OriginClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly OriginAllowlist _allowlist;
    private readonly OriginFetchOptions _options;

    public OriginClient(IOptions<OffloadOptions> options, IHostResolver resolver)
    {
        var o = options.Value;
        _options = o.Origin;
        _allowlist = new OriginAllowlist(o.SiteUrls, o.AllowHttp);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = (context, ct) => GuardedConnector.ConnectAsync(context.DnsEndPoint, o.AllowPrivateNetworks, resolver, ct),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("MediaOffload/1.0");
    }

    /// <summary>
    /// GETs <paramref name="url"/> and returns the response once its headers arrive, after following same-origin
    /// redirects. Non-success answers throw <see cref="OffloadFailure"/>, transient for 5xx, 408 and 429.
    /// </summary>
    /// <param name="sign">
    /// Signs the request for the exact URL sent. A signed request is never re-signed for another target
    /// (docs/signing.md): it follows no redirect, and a redirect answer fails with the location it named.
    /// </param>
    public async Task<HttpResponseMessage> GetAsync(string url, CancellationToken cancellationToken, Action<HttpRequestMessage>? sign = null)
    {
        var current = new Uri(url);
        for (var hop = 0; ; hop++)
        {
            if (_allowlist.Check(current.AbsoluteUri) is { } refusal)
            {
                throw new OffloadFailure($"refused {current.Scheme}://{current.Authority}: {refusal}");
            }

            using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            headersTimeout.CancelAfter(_options.ResponseTimeout);
            HttpResponseMessage response;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                sign?.Invoke(request);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token);
            }
            catch (HttpRequestException e) when (e.InnerException is OffloadFailure refused)
            {
                throw refused;
            }
            catch (HttpRequestException e)
            {
                throw new OffloadFailure($"origin unreachable: {e.Message}", transient: true, e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OffloadFailure($"origin sent no response headers within {_options.ResponseTimeout.TotalSeconds:0} s", transient: true, e);
            }

            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                response.Dispose();
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (sign is not null)
                {
                    throw new OffloadFailure($"{current.AbsolutePath} answered {status} with a redirect to {next.AbsolutePath}; signed requests are not " +
                        "re-signed for another target, so point AllowedOrigins at the address that answers (docs/signing.md)");
                }

                if (!OriginAllowlist.SameOrigin(current, next))
                {
                    throw new OffloadFailure($"refused redirect from {current.Authority} to another host ({next.Scheme}://{next.Authority})");
                }

                if (hop >= _options.MaxRedirects)
                {
                    throw new OffloadFailure($"more than {_options.MaxRedirects} redirects");
                }

                current = next;
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                var transient = status >= 500 || status is 408 or 429;
                throw new OffloadFailure($"origin answered {status} {response.ReasonPhrase}", transient);
            }

            return response;
        }
    }

    public void Dispose() => _http.Dispose();
}
