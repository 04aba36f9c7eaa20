using System.Globalization;
using System.Text.Json;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Origin;

using MediaOffload.Core.Manifest;
using MediaOffload.Core.Signing;
using MediaOffload.Core.Sites;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Reconcile;

/// <summary>
/// Reads the plugin's signed, paged manifest under the origin rules of README, "Rules the service keeps" (it goes through
/// <see cref="OriginClient"/>, so the same allowlist, https and address checks apply).
/// </summary>
public sealed class ManifestClient(OriginClient origin, SiteDirectory sites, IOptions<OffloadOptions> options, TimeProvider clock)
{
    /// <summary>Largest manifest page accepted, so a misbehaving site cannot exhaust memory. 16 MiB.</summary>
    public const int MaxPageBytes = 16 * 1024 * 1024;

    private readonly OffloadOptions _options = options.Value;

    /// <summary>
    /// Fetches one page; <paramref name="cursor"/> is null for the first. The whole page, body included, must arrive
    /// within <see cref="ReconcileOptions.ManifestPageTimeout"/> and at the origin's minimum rate, so a trickling site
    /// cannot hold the reconciler past its checkpoint.
    /// </summary>
    public async Task<ManifestPage> GetPageAsync(string site, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var url = string.Create(CultureInfo.InvariantCulture,
            $"{site.TrimEnd('/')}{ManifestPage.Route}?cursor={Uri.EscapeDataString(cursor ?? string.Empty)}&limit={limit}");
        using var page = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        page.CancelAfter(_options.Reconcile.ManifestPageTimeout);
        using var watchdog = new TransferWatchdog(page, _options.Origin.MinBytesPerSecond, _options.Origin.RateWindow, clock);
        byte[] bytes;
        try
        {
            // The site's own secret (docs/status.md, "Sites and their secrets"): a site's plugin knows only its own.
            var secret = sites.SecretFor(sites.FindOrMain(site));
            using var response = await origin.GetAsync(url, page.Token, request => Sign(request, secret));
            if (response.Content.Headers.ContentLength > MaxPageBytes)
            {
                throw new OffloadFailure($"manifest page is larger than {MaxPageBytes} bytes");
            }

            await using var body = watchdog.Watch(await response.Content.ReadAsStreamAsync(page.Token));
            bytes = await BoundedRead.ReadAsync(body, MaxPageBytes, page.Token)
                ?? throw new OffloadFailure($"manifest page is larger than {MaxPageBytes} bytes");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OffloadFailure(watchdog.Tripped ?? $"manifest page not read within {_options.Reconcile.ManifestPageTimeout.TotalSeconds:0} s", transient: true, e);
        }

        try
        {
            return ManifestPage.FromJson(bytes)
                ?? throw new OffloadFailure("manifest page is empty");
        }
        catch (JsonException e)
        {
            throw new OffloadFailure($"manifest page is not valid JSON ({JsonProblem.Where(e)})");
        }
    }

    private void Sign(HttpRequestMessage request, string secret)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var signature = RequestSigner.Sign(secret, SigningAudience.Plugin, timestamp, "GET", request.RequestUri!.PathAndQuery, []);
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(RequestSigner.SignatureHeader, signature);
    }
}
