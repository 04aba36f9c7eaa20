using MediaOffload.Api.Configuration;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Variants;
using MediaOffload.Core.Manifest;
using MediaOffload.Core.Media;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Sites;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Reconcile;

/// <summary>
/// The Reconciler role: plans the plugin's manifest against the media bucket and carries the plan out with the shared
/// <see cref="PlanRunner"/> (docs/reconcile.md). An invocation stops before its deadline and saves its checkpoint,
/// whose creation invokes the next one; the next resumes at the manifest cursor and the key where this one stopped.
/// </summary>
public sealed class ReconcileRunner(
    MediaStores stores,
    SiteDirectory sites,
    ManifestClient manifest,
    UploadsLocations uploads,
    JobStore jobs,
    VariantWriter variants,
    CachePolicy cachePolicy,
    IOptions<OffloadOptions> options,
    TimeProvider clock,
    ILogger<ReconcileRunner> logger)
{
    private readonly OffloadOptions _options = options.Value;
    private readonly ReconcileOptions _limits = options.Value.Reconcile;

    /// <summary>The site <paramref name="request"/> runs for: the one it names, else the main site.</summary>
    public Site SiteOf(ReconcileRequest request) => sites.FindOrMain(request.Site);

    /// <summary>The first checkpoint of a run of <paramref name="request"/>, in its scope, starting now.</summary>
    public RunCheckpoint Start(ReconcileRequest request) => RunCheckpoint.Start(request, ScopeFor(request), clock.GetUtcNow());

    /// <summary>
    /// Null when <paramref name="request"/> may run for its site, else why not: the site must be configured, and the
    /// prefix inside the site's key space (docs/status.md, "Sites and their secrets").
    /// </summary>
    public string? Problem(ReconcileRequest request)
    {
        if (request.Site is not null && sites.Find(request.Site) is null)
        {
            return $"site {request.Site} is not one of Offload:Sites";
        }

        var site = SiteOf(request);
        return string.IsNullOrEmpty(request.Prefix) || sites.InKeySpace(site, request.Prefix.TrimEnd('/') + "/x") ? null
            : $"prefix {request.Prefix} is outside the key space of {site.Url}";
    }

    /// <summary>The uploads-relative prefix a run of <paramref name="request"/> lists: its own, else its site's key space.</summary>
    public string PrefixOf(ReconcileRequest request) =>
        !string.IsNullOrEmpty(request.Prefix) ? request.Prefix
        : SiteOf(request).KeySpace is { Length: > 0 } keySpace ? keySpace + "/"
        : string.Empty;

    /// <summary>The scope of a run of <paramref name="request"/>: which bucket and which manifest it compares.</summary>
    public string ScopeFor(ReconcileRequest request) =>
        $"s3://{_options.MediaBucket}/{new MediaKeys(_options.KeyPrefix).Prefix}/{PrefixOf(request)} <- {SiteOf(request).Url.TrimEnd('/')}{ManifestPage.Route}";

    /// <summary>Works on <paramref name="start"/> until the plan ends or <paramref name="deadline"/> nears.</summary>
    public async Task<RunOutcome> RunAsync(RunCheckpoint start, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (start.Invocation > _limits.MaxInvocations)
        {
            throw new InvalidOperationException($"run {start.RunId} took more than {_limits.MaxInvocations} invocations; stopped as stuck");
        }

        var request = start.Request;
        var prefix = PrefixOf(request);
        var siteEntry = SiteOf(request);
        var site = siteEntry.Url;
        // Other sites' key spaces inside this one's (the main site's holds sites/N/) are theirs: not planned, audited or deleted.
        var excluded = sites.ExcludedFrom(siteEntry);
        // The manifest comes from the plugin's owner index, so it decides who owns each key (docs/keys.md).
        var planner = new PlannerOptions { Keys = new MediaKeys(_options.KeyPrefix), Policy = cachePolicy, VariantFormats = variants.Formats, SourceOwnsKeys = true, Resume = start.Resume };
        var control = stores.Control;
        var counter = new RequestCounter();
        var media = stores.Counted(counter);
        var state = await control.LoadStateAsync(start.Scope, cancellationToken);
        logger.LogInformation("Run {RunId} invocation {Invocation}: {Action} of '{Prefix}' after {After}, dry run {DryRun}",
            start.RunId, start.Invocation, request.Action, prefix, start.After ?? "(start)", request.IsDryRun);

        var source = new ManifestSource(manifest, uploads, planner, site, prefix, excluded, _limits.ManifestPageSize);
        var listing = Without(media.ListAsync(_options.MediaBucket, planner.ListPrefix + prefix, new Listing(start.After), cancellationToken),
            excluded.Select(e => planner.ListPrefix + e).ToList());
        var audited = new HeaderAuditor(media, state, all: false, _limits.Parallelism).AuditAsync(listing, cancellationToken);
        var steps = new ReconcileSteps(media, _options.MediaBucket, jobs, variants.With(media), state, site, _limits.JobBatchSize, request.BatchManifest);
        var runner = new PlanRunner(steps, new RunOptions
        {
            DryRun = request.IsDryRun,
            Delete = request.Delete,
            Force = request.Force,
            Parallelism = _limits.Parallelism,
            MaxReported = _limits.MaxReportedFailures,
            StopAt = deadline - _limits.SafetyMargin,
            MaxSourceFailures = _limits.MaxManifestAttempts,
        }, clock);

        var outcome = await runner.RunAsync(
            new PlanInputs(new ReconcilePlanner(planner), source.ReadAsync(start.SourceCursor, cancellationToken), audited, source.CursorAfter),
            start, control, counter, new ReportLabels(request.Action!, _options.MediaBucket, planner.ListPrefix + prefix, site.TrimEnd('/') + ManifestPage.Route, site),
            cancellationToken);

        await control.SaveStateAsync(start.Scope, state, cancellationToken);
        if (steps.HeaderManifest is { Length: > 0 } csv)
        {
            var key = $"reports/{start.RunId}/headers-{start.Invocation:D4}.csv";
            await control.PutTextAsync(key, "text/csv", csv, cancellationToken);
            logger.LogInformation("Run {RunId}: header fixes written as an S3 Batch Operations manifest to {Key}", start.RunId, key);
        }

        if (outcome.Finished)
        {
            await control.PutTextAsync(RunCheckpoint.ReportKeyFor(start.RunId), "application/json", outcome.Report!.ToJson(), cancellationToken);
            logger.LogInformation("Run {RunId} finished: {Drift} drift left, {Failures} failures", start.RunId, outcome.Report.Drift, outcome.Report.FailureCount);
        }
        else
        {
            logger.LogInformation("Run {RunId} continues after {After} in invocation {Invocation}", start.RunId, outcome.Checkpoint.After, outcome.Checkpoint.Invocation);
        }

        return outcome;
    }

    private static async IAsyncEnumerable<StoredObject> Without(IAsyncEnumerable<StoredObject> listing, IReadOnlyList<string> excludedKeyPrefixes)
    {
        await foreach (var entry in listing)
        {
            if (!excludedKeyPrefixes.Any(p => entry.Key.StartsWith(p, StringComparison.Ordinal)))
            {
                yield return entry;
            }
        }
    }
}
