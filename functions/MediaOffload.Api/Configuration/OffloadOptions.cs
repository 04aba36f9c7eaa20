using MediaOffload.Core.Paths;
using MediaOffload.Core.Sites;
using MediaOffload.Storage;

namespace MediaOffload.Api.Configuration;

/// <summary>
/// Everything the service needs, bound from the <c>Offload</c> section (environment variables such as
/// <c>Offload__MediaBucket</c> or <c>Offload__SigningSecrets__0</c>) and validated on start.
/// </summary>
public sealed class OffloadOptions
{
    public const string SectionName = "Offload";

    /// <summary>
    /// Which function this process is: <c>api</c>, <c>offload</c>, <c>variants</c>, <c>reconcile</c>, or <c>local</c>
    /// (every route, only with a local S3 endpoint). Required; it decides which routes exist (docs/deploy.md).
    /// </summary>
    public string Role { get; set; } = string.Empty;

    /// <summary>The private bucket media is offloaded to. Required.</summary>
    public string MediaBucket { get; set; } = string.Empty;

    /// <summary>The bucket for <c>jobs/</c>, <c>checkpoints/</c> and <c>reports/</c>. Required; must differ from <see cref="MediaBucket"/>.</summary>
    public string ControlBucket { get; set; } = string.Empty;

    /// <summary>Key prefix of media objects. Default <c>wp-content/uploads</c>, so CDN paths equal WordPress URL paths.</summary>
    public string KeyPrefix { get; set; } = MediaKeys.DefaultPrefix;

    /// <summary>How S3 is reached; <c>S3:ServiceUrl</c> is empty on AWS.</summary>
    public S3StoreOptions S3 { get; set; } = new();

    /// <summary>HMAC secrets accepted on signed requests; list the new one beside the old one while rotating. Required, each at least 32 characters.</summary>
    public string[] SigningSecrets { get; set; } = [];

    /// <summary>
    /// Whether <c>v1=</c> signatures, which do not sign their audience, are still accepted. Default false; turn it on
    /// only while plugins older than signature version 2 are being upgraded (docs/signing.md).
    /// </summary>
    public bool AcceptSignatureV1 { get; set; }

    /// <summary>Base URLs of the WordPress sites files may be fetched from, e.g. <c>https://blog.example.com</c>. Required.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// The sites of a WordPress network, each with its key space and the secrets bound to it (docs/status.md, "Sites
    /// and their secrets"). Default none: the service serves one site, <see cref="AllowedOrigins"/>[0], and every
    /// secret of <see cref="SigningSecrets"/> signs for it.
    /// </summary>
    public SiteOptions[] Sites { get; set; } = [];

    /// <summary>Every site base URL files may come from: <see cref="Sites"/> (the main site first), then <see cref="AllowedOrigins"/>.</summary>
    public IReadOnlyList<string> SiteUrls =>
        Sites.OrderBy(s => string.IsNullOrEmpty(s.KeySpace) ? 0 : 1).Select(s => s.Url).Concat(AllowedOrigins).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The sites and who signs for which: <see cref="Sites"/>, or without them the one site <see cref="AllowedOrigins"/>[0].</summary>
    public SiteDirectory BuildSites() => new(
        Sites.Length > 0
            ? Sites.Select(s => new Site(s.Url, (s.KeySpace ?? string.Empty).Trim('/'), s.SigningSecrets))
            : AllowedOrigins.Take(1).Select(url => new Site(url, string.Empty, [])),
        SigningSecrets);

    /// <summary>
    /// Uploads base URLs of sites whose uploads are not at <c>{site}/wp-content/uploads</c>, e.g.
    /// <c>https://blog.example.com/media</c>; each must share its origin with an entry of <see cref="AllowedOrigins"/>.
    /// A file's URL must be its site's uploads base plus its path. Default none.
    /// </summary>
    public string[] UploadsUrls { get; set; } = [];

    /// <summary>Whether the fetcher may dial loopback, private and link-local addresses. Default false; true only for local runs.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Whether <c>http://</c> entries in <see cref="AllowedOrigins"/> are accepted. Default false (https only).</summary>
    public bool AllowHttp { get; set; }

    /// <summary>Largest request body on the signed routes. Default 1 MiB (an event lists a few dozen files).</summary>
    public long MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest file the worker offloads. Default 5 GiB.</summary>
    public long MaxFileBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Most files one event may list. Default 200.</summary>
    public int MaxFilesPerEvent { get; set; } = 200;

    /// <summary>Files of one job transferred at once. Default 4.</summary>
    public int FileConcurrency { get; set; } = 4;

    /// <summary>
    /// <c>Cache-Control</c> overrides by extension (<c>"pdf"</c>) or by kind (<c>"Document"</c>); everything else gets
    /// <c>public, max-age=31536000, immutable</c>. Changing them changes the cache-policy version.
    /// </summary>
    public Dictionary<string, string> CacheControl { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How long one invocation may work when the Lambda Web Adapter passes no deadline (locally). Default 14 minutes,
    /// under the 15-minute Lambda maximum.
    /// </summary>
    public TimeSpan InvocationBudget { get; set; } = TimeSpan.FromMinutes(14);

    /// <summary>
    /// The offload worker stops transfers this long before its invocation's deadline, so every file's outcome is
    /// recorded before Lambda ends the invocation. Default 15 seconds.
    /// </summary>
    public TimeSpan OutcomeMargin { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Memory the process lets its image encodes take at once, in MiB (docs/imaging.md, "Memory"). Default: on
    /// Lambda the function's memory (<c>AWS_LAMBDA_FUNCTION_MEMORY_SIZE</c>) less <see cref="RuntimeReserveMiB"/>;
    /// elsewhere 1024.
    /// </summary>
    public int? MemoryBudgetMiB { get; set; }

    /// <summary>Memory kept for the runtime beside the encodes when the budget comes from Lambda, in MiB. Default 256.</summary>
    public int RuntimeReserveMiB { get; set; } = 256;

    /// <summary>The encode budget in bytes, from <see cref="MemoryBudgetMiB"/> or the Lambda function's memory.</summary>
    public long ResolveMemoryBudgetBytes(string? lambdaMemoryMiB)
    {
        const long MiB = 1024 * 1024;
        if (MemoryBudgetMiB is { } configured)
        {
            return configured * MiB;
        }

        return int.TryParse(lambdaMemoryMiB, out var lambda) && lambda > RuntimeReserveMiB
            ? (lambda - RuntimeReserveMiB) * MiB
            : 1024 * MiB;
    }

    /// <summary>Timeouts and retries for fetching from the WordPress origin.</summary>
    public OriginFetchOptions Origin { get; set; } = new();

    /// <summary>How the reconciler runs on Lambda.</summary>
    public ReconcileOptions Reconcile { get; set; } = new();
}

/// <summary>The reconciler's limits (section <c>Offload:Reconcile</c>).</summary>
public sealed class ReconcileOptions
{
    /// <summary>Stop this long before the deadline to save the checkpoint. Default 60 seconds.</summary>
    public TimeSpan SafetyMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Files per job object written for the offload worker; each job is one worker invocation. Default 100.</summary>
    public int JobBatchSize { get; set; } = 100;

    /// <summary>Header fixes, variants, deletes and HEAD requests in flight at once. Default 8.</summary>
    public int Parallelism { get; set; } = 8;

    /// <summary>
    /// Invocations in a row that may fail to read the manifest before the run ends with that failure in its report.
    /// Each failed invocation saves its checkpoint, whose notification tries again. Default 3.
    /// </summary>
    public int MaxManifestAttempts { get; set; } = 3;

    /// <summary>Time one manifest page may take, body included. Default 60 seconds.</summary>
    public TimeSpan ManifestPageTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Files asked of the plugin's manifest per page. Default 500.</summary>
    public int ManifestPageSize { get; set; } = 500;

    /// <summary>Invocations one run may take before it is stopped as stuck. Default 200.</summary>
    public int MaxInvocations { get; set; } = 200;

    /// <summary>Failures kept in the checkpoint and report; the rest are counted. Default 1000.</summary>
    public int MaxReportedFailures { get; set; } = 1000;
}

/// <summary>How files are fetched from the WordPress origin (section <c>Offload:Origin</c>).</summary>
public sealed class OriginFetchOptions
{
    /// <summary>TCP connect timeout. Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed until response headers arrive. Default 30 seconds.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one whole attempt, body included. Default 10 minutes.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time allowed for one file, every attempt and backoff included. Default 12 minutes.</summary>
    public TimeSpan FileTimeout { get; set; } = TimeSpan.FromMinutes(12);

    /// <summary>
    /// The slowest an origin may send a body, in bytes per second of waiting for it; slower, the attempt is cut off
    /// and the file fails with the reason. Default 16 KiB/s, far below any working web server.
    /// </summary>
    public long MinBytesPerSecond { get; set; } = 16 * 1024;

    /// <summary>How often the rate is checked, over the waiting time since the last check. Default 10 seconds.</summary>
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per file for 5xx answers, timeouts and broken connections. Default 4.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First retry delay; it doubles each retry, with jitter. Default 500 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Same-origin redirects followed per file. Default 3.</summary>
    public int MaxRedirects { get; set; } = 3;
}

/// <summary>One site of a network (section <c>Offload:Sites:N</c>, docs/status.md).</summary>
public sealed class SiteOptions
{
    /// <summary>The site's home URL, e.g. <c>https://net.example.com/site2</c>. Required.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>The site's part of the key space below <c>KeyPrefix</c>: empty for the main site, <c>sites/{blogId}</c> for the others. Default empty.</summary>
    public string KeySpace { get; set; } = string.Empty;

    /// <summary>Secrets that sign for this site only; the first also signs its manifest requests. Default none.</summary>
    public string[] SigningSecrets { get; set; } = [];
}
