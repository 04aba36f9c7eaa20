using System.Collections.Concurrent;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Runs;

/// <summary>How <see cref="PlanRunner"/> carries out a plan.</summary>
public sealed record RunOptions
{
    /// <summary>Plan only: no step runs. Default false.</summary>
    public bool DryRun { get; init; }

    /// <summary>Delete orphans, under <see cref="Guard"/>. Default false: orphans are reported as drift.</summary>
    public bool Delete { get; init; }

    /// <summary>Lift the delete cap; orphans are then deleted as they are found. Default false.</summary>
    public bool Force { get; init; }

    /// <summary>The mass-delete cap, decided once the whole plan is known. Default 100 objects or 10 %.</summary>
    public DeletionGuard Guard { get; init; } = new();

    /// <summary>Whether variant steps run. Default true.</summary>
    public bool Variants { get; init; } = true;

    /// <summary>Steps in flight at once. Default 8.</summary>
    public int Parallelism { get; init; } = 8;

    /// <summary>Failures, skips and dry-run steps kept in the checkpoint and report; the rest are counted. Default 1,000.</summary>
    public int MaxReported { get; init; } = 1000;

    /// <summary>
    /// When to stop taking items (a Lambda deadline less its margin): steps started go on to their end, and every
    /// stretch takes at least one item, so a run always moves. Default never.
    /// </summary>
    public DateTimeOffset? StopAt { get; init; }

    /// <summary>How often the checkpoint is saved while items finish; null saves it only when the run stops. Default null.</summary>
    public TimeSpan? CheckpointEvery { get; init; }

    /// <summary>Stretches in a row that may fail to read their source before the run ends with that failure. Default 3.</summary>
    public int MaxSourceFailures { get; init; } = 3;
}

/// <summary>Where a run's checkpoint is kept between stretches of work.</summary>
public interface ICheckpointStore
{
    /// <summary>Saves the checkpoint (and, for the Reconciler, thereby continues the run).</summary>
    Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Removes it once the run finished.</summary>
    Task DeleteAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken);
}

/// <summary>What one stretch of a run plans over.</summary>
/// <param name="Planner">The planner, with the run's resume point in its options.</param>
/// <param name="Sources">The library, in key order, from the resume point on.</param>
/// <param name="Bucket">The bucket, audited, in key order, after the resume point.</param>
/// <param name="CursorAfter">The source cursor to resume at once every key up to the given one is done; null when the source has none.</param>
public sealed record PlanInputs(
    ReconcilePlanner Planner,
    IAsyncEnumerable<SourceEntry> Sources,
    IAsyncEnumerable<StoredObject> Bucket,
    Func<string, string?>? CursorAfter = null);

/// <summary>What a report names besides its counts.</summary>
/// <param name="Site">The site a service run is for (docs/status.md); null for the CLI.</param>
public sealed record ReportLabels(string Command, string Bucket, string Prefix, string? Source, string? Site = null);

/// <summary>How a stretch of work left a run.</summary>
/// <param name="Checkpoint">The run's state now.</param>
/// <param name="Finished">True when the plan was worked through; false when the run continues from the checkpoint.</param>
/// <param name="Report">The final report, when finished.</param>
public sealed record RunOutcome(RunCheckpoint Checkpoint, bool Finished, ReconcileReport? Report);

/// <summary>The source could not be read (a manifest page that timed out or broke): the run keeps what is done.</summary>
public sealed class SourceUnavailableException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>
/// The one engine that carries out a plan, for the CLI and the Reconciler function alike (docs/reconcile.md). It
/// streams the plan with bounded parallelism, keeps one checkpoint format, one report and one failure cap, defers
/// orphans until the delete cap can be decided without planning twice, and stops a stretch of work at a deadline with
/// a checkpoint that resumes where it left off. What each step does is the <see cref="IPlanSteps"/> port's.
/// </summary>
public sealed class PlanRunner(IPlanSteps steps, RunOptions options, TimeProvider clock, IProgressSink? progress = null, Action<PlanItem>? onDrift = null)
{
    private readonly IProgressSink _progress = progress ?? NoProgress.Instance;

    /// <summary>Works on <paramref name="start"/> until the plan ends, the deadline nears, or the source fails.</summary>
    /// <param name="requests">The storage requests this stretch makes, added to the run's.</param>
    /// <exception cref="OperationCanceledException">Cancelled: the checkpoint covers the finished work.</exception>
    public async Task<RunOutcome> RunAsync(PlanInputs inputs, RunCheckpoint start, ICheckpointStore? checkpoints, RequestCounter? requests, ReportLabels labels, CancellationToken cancellationToken)
    {
        var run = new Accounts(start, options.MaxReported, options.Guard.MaxObjects);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(Math.Max(1, options.Parallelism));
        var running = new ConcurrentDictionary<long, Task>();
        string? sourceFailure = null;
        var stopped = false;
        var taken = 0;
        var lastSave = clock.GetUtcNow();

        RunCheckpoint Snapshot(int invocation) => run.Checkpoint(start, inputs.Planner.Pending, inputs.CursorAfter, requests, invocation, clock.GetUtcNow());

        try
        {
            await using var plan = inputs.Planner.PlanAsync(inputs.Sources, inputs.Bucket, stop.Token).GetAsyncEnumerator(stop.Token);
            while (true)
            {
                try
                {
                    if (!await plan.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (SourceUnavailableException e)
                {
                    sourceFailure = e.Message;
                    break;
                }

                var item = plan.Current;
                if (options.StopAt is { } stopAt && taken > 0 && clock.GetUtcNow() >= stopAt)
                {
                    // Not started: it stays open, so the checkpoint ends before it (and keeps it if it is a variant).
                    run.Start(item);
                    stopped = true;
                    break;
                }

                taken++;
                _progress.Planned(item);
                if (item.IsDrift)
                {
                    onDrift?.Invoke(item);
                }

                var ticket = run.Start(item);
                if (!Executes(item))
                {
                    run.Finish(ticket, Outcome.Planned);
                }
                else if (item.Action == PlanAction.DeleteOrphan && !options.Force)
                {
                    // Whether orphans may go depends on the whole plan (the cap): they wait for its end.
                    run.Finish(ticket, Outcome.Deferred);
                }
                else
                {
                    await slots.WaitAsync(stop.Token);
                    var task = RunStepAsync(item, ticket, run, slots, running, stop);
                    running[ticket] = task;
                    if (task.IsCompleted)
                    {
                        running.TryRemove(ticket, out _);
                    }
                }

                if (options.CheckpointEvery is { } every && checkpoints is not null && clock.GetUtcNow() - lastSave >= every)
                {
                    await checkpoints.SaveAsync(Snapshot(start.Invocation), cancellationToken);
                    lastSave = clock.GetUtcNow();
                }

            }

            await Task.WhenAll(running.Values);
            run.ThrowIfFatal();
            // Steps cut short by a cancellation end quietly; the run as a whole must still stop as interrupted.
            cancellationToken.ThrowIfCancellationRequested();
            await FlushAsync(run, cancellationToken);
        }
        catch (OperationCanceledException) when (run.Fatal is not null)
        {
            run.ThrowIfFatal();
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted: let in-flight steps finish or cancel, so the checkpoint covers finished work only.
            await Task.WhenAll(running.Values.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            if (checkpoints is not null)
            {
                await FlushAsync(run, CancellationToken.None);
                await checkpoints.SaveAsync(Snapshot(start.Invocation), CancellationToken.None);
            }

            throw;
        }

        if (sourceFailure is not null)
        {
            run.SourceFailed();
            if (run.SourceFailures < options.MaxSourceFailures)
            {
                return await ContinueAsync(Snapshot(start.Invocation + 1), checkpoints, cancellationToken);
            }

            run.Failed(new ReconcileFailure("(source)", "ReadSource", $"{run.SourceFailures} attempts in a row: {sourceFailure}"));
        }
        else
        {
            run.SourceRead();
            if (stopped)
            {
                return await ContinueAsync(Snapshot(start.Invocation + 1), checkpoints, cancellationToken);
            }
        }

        await DecideDeletesAsync(run, cancellationToken);
        var final = Snapshot(start.Invocation);
        var report = Report(final, labels);
        if (checkpoints is not null)
        {
            await checkpoints.DeleteAsync(final, cancellationToken);
        }

        return new RunOutcome(final, true, report);
    }

    /// <summary>Writes what the steps held back; items that failed there were counted done when handed over, so are undone.</summary>
    private async Task FlushAsync(Accounts run, CancellationToken cancellationToken)
    {
        foreach (var failure in await steps.FlushAsync(cancellationToken))
        {
            run.Undone(failure.Action);
            run.Failed(failure);
        }
    }

    private bool Executes(PlanItem item) =>
        !options.DryRun
        && item.Action != PlanAction.Skip
        && !(item.Action == PlanAction.DeleteOrphan && !options.Delete)
        && !(item.Action == PlanAction.GenerateVariant && !options.Variants);

    private static async Task<RunOutcome> ContinueAsync(RunCheckpoint next, ICheckpointStore? checkpoints, CancellationToken cancellationToken)
    {
        if (checkpoints is not null)
        {
            await checkpoints.SaveAsync(next, cancellationToken);
        }

        return new RunOutcome(next, false, null);
    }

    // Runs synchronously up to the step's first await, so a step sees the steps started before it (a variant its
    // source's upload) in plan order.
    private async Task RunStepAsync(PlanItem item, long ticket, Accounts run, SemaphoreSlim slots, ConcurrentDictionary<long, Task> running, CancellationTokenSource stop)
    {
        var succeeded = false;
        try
        {
            await steps.RunAsync(item, stop.Token);
            run.Finish(ticket, Outcome.Done);
            succeeded = true;
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Cut short, not done: the checkpoint stays before it, and a resume plans it again.
        }
        catch (Exception e) when (steps.IsFatal(e))
        {
            run.SetFatal(e);
            await stop.CancelAsync();
        }
        catch (StepFailedException e) when (e.Known)
        {
            run.Finish(ticket, Outcome.Settled, e.Message);
        }
        catch (Exception e)
        {
            run.Finish(ticket, Outcome.Failed, steps.Describe(e));
        }
        finally
        {
            _progress.Finished(item, succeeded);
            slots.Release();
            running.TryRemove(ticket, out _);
        }
    }

    /// <summary>The deferred orphans go when the whole plan keeps under the cap; otherwise the refusal is the report's.</summary>
    private async Task DecideDeletesAsync(Accounts run, CancellationToken cancellationToken)
    {
        if (options.DryRun || !options.Delete || options.Force || run.Orphans == 0)
        {
            return;
        }

        if (options.Guard.Check(run.Orphans, run.Listed, force: false) is { } refused)
        {
            run.DeleteRefused = refused;
            return;
        }

        await Parallel.ForEachAsync(run.TakeDeferred(), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken },
            async (pending, ct) =>
            {
                var item = new PlanItem(PlanAction.DeleteOrphan, pending.Key, "orphan", Object: new StoredObject(string.Empty, pending.Key, 0, pending.ETag, default));
                try
                {
                    await steps.RunAsync(item, ct);
                    run.Completed(item);
                }
                catch (Exception e) when (!steps.IsFatal(e) && e is not OperationCanceledException)
                {
                    run.Failed(new ReconcileFailure(item.Key, item.Action.ToString(), steps.Describe(e)));
                }
            });
    }

    private ReconcileReport Report(RunCheckpoint state, ReportLabels labels)
    {
        long drift = 0;
        foreach (var action in Enum.GetValues<PlanAction>())
        {
            if (action == PlanAction.Skip || (action == PlanAction.GenerateVariant && !options.Variants))
            {
                continue;
            }

            var planned = state.Planned.TryGetValue(action.ToString(), out var p) ? p : 0;
            var done = options.DryRun ? 0 : state.Done.GetValueOrDefault(action.ToString()) + state.Settled.GetValueOrDefault(action.ToString());
            drift += Math.Max(0, planned - done);
        }

        return new ReconcileReport
        {
            Command = labels.Command,
            Bucket = labels.Bucket,
            Prefix = labels.Prefix,
            Source = labels.Source,
            Site = labels.Site,
            DryRun = options.DryRun,
            StartedAt = state.StartedAt,
            FinishedAt = clock.GetUtcNow(),
            Planned = EveryAction(state.Planned),
            Done = EveryAction(state.Done),
            BytesPlanned = state.BytesPlanned,
            BytesDone = state.BytesDone,
            Requests = state.Requests,
            DeleteRefused = state.DeleteRefused,
            Failures = state.Failures,
            FailureCount = state.FailureCount,
            Skipped = state.Skipped,
            Drift = drift,
            Plan = options.DryRun ? state.Plan : null,
        };
    }

    /// <summary>Counts by action with every action present, so a report has the same shape whatever the run found.</summary>
    private static IReadOnlyDictionary<string, long> EveryAction(IReadOnlyDictionary<string, long> counts) =>
        Enum.GetNames<PlanAction>().ToDictionary(a => a, a => counts.GetValueOrDefault(a));

    /// <summary>How an item ended, for <see cref="Accounts.Finish"/>.</summary>
    private enum Outcome
    {
        /// <summary>Planned only: a skip, a dry run, or a step this run does not take.</summary>
        Planned,
        Done,
        Failed,
        /// <summary>A known rejection: neither done nor drift.</summary>
        Settled,
        /// <summary>An orphan kept for the delete cap's decision.</summary>
        Deferred,
    }

    /// <summary>
    /// A run's counts, seeded from the checkpoint and safe to update from parallel steps. An item's effects are
    /// committed only once the checkpoint covers it (every earlier item finished too), so a checkpoint never counts an
    /// item that a resume will plan again: a step cut short leaves nothing behind.
    /// </summary>
    /// <param name="maxDeferred">The most orphans the delete cap can allow; one more already decides a refusal.</param>
    private sealed class Accounts(RunCheckpoint start, int maxReported, int maxDeferred)
    {
        private readonly object _gate = new();
        private readonly CheckpointTracker _tracker = new(start.After);
        private readonly Dictionary<long, (PlanItem Item, Outcome Outcome, string? Reason)> _open = [];
        private readonly Dictionary<string, long> _planned = new(start.Planned);
        private readonly Dictionary<string, long> _done = new(start.Done);
        private readonly Dictionary<string, long> _settled = new(start.Settled);
        private readonly List<ReconcileFailure> _failures = [.. start.Failures];
        private readonly List<ReconcileSkip> _skipped = [.. start.Skipped];
        private readonly List<PlannedStep> _plan = [.. start.Plan];
        private readonly List<PendingDelete> _deferred = [.. start.PendingDeletes];
        private long _bytesPlanned = start.BytesPlanned;
        private long _bytesDone = start.BytesDone;
        private long _failureCount = start.FailureCount;

        public long Listed { get; private set; } = start.Listed;

        public long Orphans { get; private set; } = start.Orphans;

        public int SourceFailures { get; private set; } = start.SourceFailures;

        public string? DeleteRefused { get; set; } = start.DeleteRefused;

        public Exception? Fatal { get; private set; }

        public long Start(PlanItem item)
        {
            lock (_gate)
            {
                var ticket = _tracker.Start(item.Key);
                _open[ticket] = (item, Outcome.Planned, null);
                return ticket;
            }
        }

        public void Finish(long ticket, Outcome outcome, string? reason = null)
        {
            lock (_gate)
            {
                _open[ticket] = (_open[ticket].Item, outcome, reason);
                foreach (var passed in _tracker.Complete(ticket))
                {
                    Commit(_open[passed]);
                    _open.Remove(passed);
                }
            }
        }

        // Under the lock.
        private void Commit((PlanItem Item, Outcome Outcome, string? Reason) entry)
        {
            var (item, outcome, reason) = entry;
            var action = item.Action.ToString();
            _planned[action] = _planned.GetValueOrDefault(action) + 1;
            _bytesPlanned += item.Bytes;
            Listed += item.Object is null ? 0 : 1;
            Orphans += item.Action == PlanAction.DeleteOrphan ? 1 : 0;
            if (item.Reported)
            {
                Skip(new ReconcileSkip(item.Key, item.Reason));
            }

            if (item.IsDrift && _plan.Count < maxReported)
            {
                _plan.Add(new PlannedStep(action, item.Key, item.Reason));
            }

            switch (outcome)
            {
                case Outcome.Done:
                    _done[action] = _done.GetValueOrDefault(action) + 1;
                    _bytesDone += item.Bytes;
                    break;
                case Outcome.Failed:
                    Fail(new ReconcileFailure(item.Key, action, reason!));
                    break;
                case Outcome.Settled:
                    _settled[action] = _settled.GetValueOrDefault(action) + 1;
                    Skip(new ReconcileSkip(item.Key, reason!));
                    break;
                case Outcome.Deferred when _deferred.Count <= maxDeferred:
                    // Past the cap the count alone decides (the guard refuses); the list is only for deleting, under it.
                    _deferred.Add(new PendingDelete(item.Key, item.Object?.ETag ?? string.Empty));
                    break;
            }
        }

        /// <summary>A step outside the plan's order (a deferred delete) that was carried out.</summary>
        public void Completed(PlanItem item)
        {
            lock (_gate)
            {
                _done[item.Action.ToString()] = _done.GetValueOrDefault(item.Action.ToString()) + 1;
            }
        }

        /// <summary>A failure outside the plan's order: a deferred delete, a held-back write, the source.</summary>
        public void Failed(ReconcileFailure failure)
        {
            lock (_gate)
            {
                Fail(failure);
            }
        }

        /// <summary>A step that was counted done when handed over but failed in a later write (a job object).</summary>
        public void Undone(string action)
        {
            lock (_gate)
            {
                if (_done.GetValueOrDefault(action) > 0)
                {
                    _done[action]--;
                }
            }
        }

        private void Fail(ReconcileFailure failure)
        {
            _failureCount++;
            if (_failures.Count < maxReported)
            {
                _failures.Add(failure);
            }
        }

        private void Skip(ReconcileSkip skip)
        {
            if (_skipped.Count < maxReported)
            {
                _skipped.Add(skip);
            }
        }

        public IReadOnlyList<PendingDelete> TakeDeferred()
        {
            lock (_gate)
            {
                var taken = _deferred.ToList();
                _deferred.Clear();
                return taken;
            }
        }

        public void SourceFailed() => SourceFailures++;

        public void SourceRead() => SourceFailures = 0;

        public void SetFatal(Exception e)
        {
            lock (_gate)
            {
                Fatal ??= e;
            }
        }

        public void ThrowIfFatal()
        {
            if (Fatal is { } fatal)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fatal);
            }
        }

        /// <summary>
        /// The run's state as the checkpoint covers it. The variants still open are the planner's queue and those
        /// emitted but not finished; of them only those whose source the checkpoint covers are kept: a resumed plan
        /// reads every later source again and expects their variants itself.
        /// </summary>
        public RunCheckpoint Checkpoint(RunCheckpoint start, IReadOnlyList<PendingVariant> pending,
            Func<string, string?>? cursorAfter, RequestCounter? requests, int invocation, DateTimeOffset now)
        {
            lock (_gate)
            {
                var after = _tracker.After;
                var open = pending.Concat(_open.Values.Select(o => o.Item.Variant).OfType<PendingVariant>());
                var resume = after is null ? null : new PlanResume(after, [.. open
                    .Where(v => !KeyOrder.Before(after, v.SourceKey) && KeyOrder.Before(after, v.Key))
                    .OrderBy(v => v.Key, KeyOrder.Utf8)]);
                var counted = new Dictionary<string, long>(start.Requests);
                foreach (var (kind, n) in requests?.ToDictionary() ?? new Dictionary<string, long>())
                {
                    counted[kind] = counted.GetValueOrDefault(kind) + n;
                }

                return start with
                {
                    Invocation = invocation,
                    Resume = resume ?? start.Resume,
                    SourceCursor = after is not null && cursorAfter is not null ? cursorAfter(after) : start.SourceCursor,
                    Planned = new Dictionary<string, long>(_planned),
                    Done = new Dictionary<string, long>(_done),
                    Settled = new Dictionary<string, long>(_settled),
                    BytesPlanned = _bytesPlanned,
                    BytesDone = _bytesDone,
                    Listed = Listed,
                    Orphans = Orphans,
                    PendingDeletes = [.. _deferred],
                    DeleteRefused = DeleteRefused,
                    Failures = [.. _failures],
                    FailureCount = _failureCount,
                    Skipped = [.. _skipped],
                    Plan = [.. _plan],
                    Requests = counted,
                    SourceFailures = SourceFailures,
                    UpdatedAt = now,
                };
            }
        }
    }
}
