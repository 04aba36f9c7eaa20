using System.Collections.Concurrent;
using System.Text;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Variants;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Media;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Reconcile;

/// <summary>How an invocation left a run.</summary>
/// <param name="State">The state after this invocation.</param>
/// <param name="Finished">True when the plan was worked through; false when the run continues in a new invocation.</param>
/// <param name="Report">The final report, when finished.</param>
public sealed record RunProgress(RunState State, bool Finished, ReconcileReport? Report);

/// <summary>
/// The Reconciler role: plans the plugin's manifest against the media bucket and fixes the drift. Uploads fan out as
/// job objects for the offload worker; header fixes are copies in place; variants are made here; orphans are deleted
/// only when asked, under the mass-delete cap. An invocation stops before its deadline, saves its checkpoint (whose
/// creation invokes the next one) and the run goes on where it stopped.
/// </summary>
public sealed class ReconcileRunner(
    IObjectStore store,
    ManifestSource manifest,
    JobStore jobs,
    VariantWriter variants,
    CachePolicy cachePolicy,
    IOptions<OffloadOptions> options,
    TimeProvider clock,
    ILogger<ReconcileRunner> logger)
{
    private readonly OffloadOptions _options = options.Value;
    private readonly ReconcileOptions _limits = options.Value.Reconcile;

    /// <summary>Works on <paramref name="state"/> until the plan ends or <paramref name="deadline"/> nears.</summary>
    public async Task<RunProgress> RunAsync(RunState state, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        if (state.Invocation > _limits.MaxInvocations)
        {
            throw new InvalidOperationException($"run {state.RunId} took more than {_limits.MaxInvocations} invocations; stopped as stuck");
        }

        var request = state.Request;
        var prefix = request.Prefix ?? string.Empty;
        var site = _options.AllowedOrigins[0];
        // The manifest comes from the plugin's owner index, so it decides who owns each key (docs/keys.md).
        var planner = new ReconcilePlanner(new PlannerOptions { Keys = new MediaKeys(_options.KeyPrefix), Policy = cachePolicy, ResumeAfter = state.After, SourceOwnsKeys = true });
        var stopAt = deadline - _limits.SafetyMargin;
        logger.LogInformation("Run {RunId} invocation {Invocation}: {Action} of '{Prefix}' after {After}, dry run {DryRun}",
            state.RunId, state.Invocation, request.Action, prefix, state.After ?? "(start)", request.IsDryRun);

        if (request.Delete && !request.IsDryRun && state.Invocation == 1)
        {
            state = state with { DeleteRefused = await CheckDeletionCapAsync(planner, site, prefix, request.Force, cancellationToken) };
        }

        var work = new Work(state, _limits.MaxReportedFailures);
        var tracker = new CheckpointTracker(state.After);
        var batch = new List<(long Ticket, JobFile File)>();
        var headerManifest = new StringBuilder();
        var inFlight = new List<Task>();
        using var slots = new SemaphoreSlim(_limits.Parallelism);
        var stopped = false;
        var handled = 0;
        string? manifestFailure = null;

        await using var plan = planner.PlanAsync(manifest.ReadAsync(site, prefix, _limits.ManifestPageSize, cancellationToken), AuditedListing(planner, prefix, cancellationToken), cancellationToken)
            .GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await plan.MoveNextAsync())
                {
                    break;
                }
            }
            catch (OffloadFailure e)
            {
                // The manifest could not be read (a timeout, a trickle, a broken page): keep what is done.
                manifestFailure = e.Message;
                break;
            }

            var item = plan.Current;

            // At least one item per invocation, so a run always moves forward however tight the deadline.
            if (handled > 0 && clock.GetUtcNow() >= stopAt)
            {
                stopped = true;
                break;
            }

            handled++;
            work.Planned(item);
            var ticket = tracker.Start(item.Key);
            if (item.Reported)
            {
                work.Skipped(item);
            }

            if (request.IsDryRun || item.Action == PlanAction.Skip)
            {
                tracker.Complete(ticket);
                continue;
            }

            switch (item.Action)
            {
                case PlanAction.Upload or PlanAction.Replace:
                    batch.Add((ticket, ToJobFile(item)));
                    if (batch.Count >= _limits.JobBatchSize)
                    {
                        await FlushJobsAsync(batch, site, tracker, work, cancellationToken);
                    }

                    break;
                case PlanAction.FixHeaders when request.BatchManifest:
                    headerManifest.Append(BatchOperationsManifest.Line(_options.MediaBucket, item.Key));
                    work.Completed(item);
                    tracker.Complete(ticket);
                    break;
                case PlanAction.DeleteOrphan when !request.Delete || work.State.DeleteRefused is not null:
                    tracker.Complete(ticket);
                    break;
                case PlanAction.GenerateVariant when item.SourceETag is null:
                    // Its source is being uploaded in this run; that upload's own event makes the variant.
                    tracker.Complete(ticket);
                    break;
                default:
                    await slots.WaitAsync(cancellationToken);
                    inFlight.Add(ExecuteAsync(item, ticket, tracker, work, slots, cancellationToken));
                    inFlight.RemoveAll(t => t.IsCompleted);
                    break;
            }
        }

        await FlushJobsAsync(batch, site, tracker, work, cancellationToken);
        await Task.WhenAll(inFlight);
        if (headerManifest.Length > 0)
        {
            var key = $"reports/{state.RunId}/headers-{state.Invocation:D4}.csv";
            await PutTextAsync(key, "text/csv", headerManifest.ToString(), cancellationToken);
            logger.LogInformation("Run {RunId}: header fixes written as an S3 Batch Operations manifest to {Key}", state.RunId, key);
        }

        var next = work.State with { After = tracker.After, ManifestFailures = manifestFailure is null ? 0 : state.ManifestFailures + 1 };
        if (manifestFailure is not null && next.ManifestFailures < _limits.MaxManifestAttempts)
        {
            // The checkpoint's notification is the next attempt; a run that never reads its manifest ends below.
            next = next with { Invocation = next.Invocation + 1 };
            await PutAsync(RunState.KeyFor(next.RunId), "application/json", next.ToJson(), cancellationToken);
            logger.LogWarning("Run {RunId} could not read the manifest ({Reason}); it continues after {After} in invocation {Invocation}",
                next.RunId, manifestFailure, next.After, next.Invocation);
            return new RunProgress(next, false, null);
        }

        if (manifestFailure is not null)
        {
            work.Failed("(manifest)", "ReadManifest", $"{next.ManifestFailures} attempts: {manifestFailure}");
            next = work.State with { After = tracker.After, ManifestFailures = next.ManifestFailures };
        }
        else if (stopped)
        {
            next = next with { Invocation = next.Invocation + 1 };
            await PutAsync(RunState.KeyFor(next.RunId), "application/json", next.ToJson(), cancellationToken);
            logger.LogInformation("Run {RunId} continues after {After} in invocation {Invocation}", next.RunId, next.After, next.Invocation);
            return new RunProgress(next, false, null);
        }

        var report = BuildReport(next, prefix, site);
        await PutTextAsync(RunState.ReportKeyFor(next.RunId), "application/json", report.ToJson(), cancellationToken);
        await store.DeleteAsync(_options.ControlBucket, RunState.KeyFor(next.RunId), null, cancellationToken);
        logger.LogInformation("Run {RunId} finished: {Drift} drift left, {Failures} failures", next.RunId, report.Drift, report.Failures.Count);
        return new RunProgress(next, true, report);
    }

    /// <summary>
    /// Orphans may only be deleted when the whole plan stays under the cap, so the first invocation (which starts
    /// with no checkpoint, hence plans everything) counts them.
    /// </summary>
    private async Task<string?> CheckDeletionCapAsync(ReconcilePlanner planner, string site, string prefix, bool force, CancellationToken cancellationToken)
    {
        var tally = new PlanTally();
        await foreach (var item in planner.PlanAsync(manifest.ReadAsync(site, prefix, _limits.ManifestPageSize, cancellationToken), AuditedListing(planner, prefix, cancellationToken), cancellationToken))
        {
            tally.Add(item);
        }

        return new DeletionGuard().Check(tally.Count(PlanAction.DeleteOrphan), tally.ObjectsListed, force);
    }

    /// <summary>The bucket under the prefix, in key order, each object with its headers so the planner can audit them.</summary>
    private IAsyncEnumerable<StoredObject> AuditedListing(ReconcilePlanner planner, string prefix, CancellationToken cancellationToken) =>
        OrderedParallel.SelectAsync(
            store.ListAsync(_options.MediaBucket, planner.Options.ListPrefix + prefix, cancellationToken),
            async (listed, ct) => await store.HeadAsync(listed.Bucket, listed.Key, ct) is { Headers: not null } head && head.ETag == listed.ETag
                ? listed with { Headers = head.Headers }
                : listed,
            _limits.Parallelism,
            cancellationToken);

    private async Task ExecuteAsync(PlanItem item, long ticket, CheckpointTracker tracker, Work work, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            switch (item.Action)
            {
                case PlanAction.FixHeaders:
                    await store.ReplaceHeadersAsync(item.Headers!, _options.MediaBucket, item.Key, cancellationToken);
                    break;
                case PlanAction.GenerateVariant:
                    var result = await variants.CreateAsync(item.SourceKey!, cancellationToken);
                    if (result.Failure is not null)
                    {
                        work.Failed(item, $"{result.Detail}: {result.Failure}");
                        return;
                    }

                    break;
                case PlanAction.DeleteOrphan:
                    await store.DeleteAsync(_options.MediaBucket, item.Key, null, cancellationToken);
                    break;
            }

            work.Completed(item);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Run step {Action} {Key} failed", item.Action, item.Key);
            work.Failed(item, FailureText.For(e));
        }
        finally
        {
            tracker.Complete(ticket);
            slots.Release();
        }
    }

    /// <summary>Writes the collected uploads as one job object; its creation invokes an offload worker.</summary>
    private async Task FlushJobsAsync(List<(long Ticket, JobFile File)> batch, string site, CheckpointTracker tracker, Work work, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var files = batch.Select(b => b.File).OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        var job = new OffloadJob(JobIds.For(Core.Events.MediaEventTypes.Updated, site, 0, files), Core.Events.MediaEventTypes.Updated, site, 0, files, FromManifest: true);
        try
        {
            await jobs.SaveAsync(job, cancellationToken);
            foreach (var file in files)
            {
                work.Uploaded(file);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            foreach (var file in files)
            {
                work.Failed(file.Key, nameof(PlanAction.Upload), $"job {job.JobId} could not be written: {FailureText.For(e)}");
            }
        }

        foreach (var (ticket, _) in batch)
        {
            tracker.Complete(ticket);
        }

        batch.Clear();
    }

    /// <summary>
    /// The offload worker's view of an upload: the file's URL as the manifest gave it (its name on disk below the
    /// site's uploads base), and the owner the manifest records (docs/keys.md).
    /// </summary>
    private static JobFile ToJobFile(PlanItem item)
    {
        var source = item.Source!;
        var headers = item.Headers!;
        return new JobFile(source.Path, item.Key, source.Url, source.Size, source.Md5, headers.ContentType, headers.CacheControl,
            headers.Metadata.TryGetValue(MediaMetadata.CachePolicy, out var policy) ? policy : null, source.Modified, source.Owner);
    }

    private ReconcileReport BuildReport(RunState state, string prefix, string site)
    {
        var drift = state.Planned.Where(p => p.Key != nameof(PlanAction.Skip)).Sum(p => p.Value) - state.Done.Values.Sum();
        return new ReconcileReport
        {
            Command = state.Request.Action!,
            Bucket = _options.MediaBucket,
            Prefix = prefix,
            Source = site + Core.Manifest.ManifestPage.Route,
            DryRun = state.Request.IsDryRun,
            StartedAt = state.StartedAt,
            FinishedAt = clock.GetUtcNow(),
            Planned = state.Planned,
            Done = state.Done,
            BytesDone = state.Bytes,
            Requests = new Dictionary<string, long>(),
            DeleteRefused = state.DeleteRefused,
            Failures = state.Failures,
            Skipped = state.Skipped ?? [],
            Drift = drift,
        };
    }

    private Task PutTextAsync(string key, string contentType, string text, CancellationToken cancellationToken) =>
        PutAsync(key, contentType, Encoding.UTF8.GetBytes(text), cancellationToken);

    private async Task PutAsync(string key, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(body, writable: false);
        await store.PutAsync(new ObjectWrite(_options.ControlBucket, key, new ObjectHeaders(contentType, "no-store", new Dictionary<string, string>())), content, cancellationToken);
    }

    /// <summary>The counts of one invocation, safe to update from parallel steps.</summary>
    private sealed class Work(RunState start, int maxFailures)
    {
        private readonly ConcurrentDictionary<string, long> _planned = new(start.Planned);
        private readonly ConcurrentDictionary<string, long> _done = new(start.Done);
        private readonly ConcurrentQueue<ReconcileFailure> _failures = new(start.Failures);
        private readonly ConcurrentQueue<ReconcileSkip> _skipped = new(start.Skipped ?? []);
        private long _bytes = start.Bytes;

        public RunState State => start with
        {
            Planned = new Dictionary<string, long>(_planned),
            Done = new Dictionary<string, long>(_done),
            Bytes = Interlocked.Read(ref _bytes),
            Failures = _failures.ToArray(),
            Skipped = _skipped.ToArray(),
        };

        public void Skipped(PlanItem item)
        {
            if (_skipped.Count < maxFailures)
            {
                _skipped.Enqueue(new ReconcileSkip(item.Key, item.Reason));
            }
        }

        public void Planned(PlanItem item) => _planned.AddOrUpdate(item.Action.ToString(), 1, (_, n) => n + 1);

        public void Completed(PlanItem item) => _done.AddOrUpdate(item.Action.ToString(), 1, (_, n) => n + 1);

        public void Uploaded(JobFile file)
        {
            _done.AddOrUpdate(nameof(PlanAction.Upload), 1, (_, n) => n + 1);
            Interlocked.Add(ref _bytes, file.Size ?? 0);
        }

        public void Failed(PlanItem item, string reason) => Failed(item.Key, item.Action.ToString(), reason);

        public void Failed(string key, string action, string reason)
        {
            if (_failures.Count < maxFailures)
            {
                _failures.Enqueue(new ReconcileFailure(key, action, reason));
            }
        }
    }
}
