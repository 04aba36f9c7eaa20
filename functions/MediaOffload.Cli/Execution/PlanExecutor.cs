using System.Collections.Concurrent;
using MediaOffload.Cli.Bucket;
using MediaOffload.Core.Reconcile;
using Polly;
using Polly.Retry;

namespace MediaOffload.Cli.Execution;

/// <summary>What a run did.</summary>
internal sealed record ExecutionResult(
    PlanTally Planned,
    IReadOnlyDictionary<string, long> Done,
    long BytesDone,
    IReadOnlyList<ReconcileFailure> Failures,
    IReadOnlyList<ReconcileSkip> Skipped,
    string? DeleteRefused,
    long DriftLeft);

/// <summary>
/// Consumes a plan stream with bounded parallelism: the plan is never held whole, only the items in flight and
/// the orphans (which wait for the delete cap, known only at the end). Transient failures are retried; other
/// failures are recorded per item and the run goes on; a refused credential or missing bucket stops it.
/// </summary>
internal sealed class PlanExecutor(StepRunner steps, ExecutionSettings settings, IProgressSink progress, Action<PlanItem>? onDrift = null)
{
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(S3Errors.IsTransient),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    private readonly ConcurrentDictionary<PlanAction, long> _done = new();
    private readonly ConcurrentQueue<ReconcileFailure> _failures = new();
    private long _bytesDone;
    private Exception? _fatal;

    /// <summary>Runs the plan; <paramref name="checkpoint"/> (from a resumed run) seeds the counts.</summary>
    public async Task<ExecutionResult> RunAsync(IAsyncEnumerable<PlanItem> plan, string scope, Checkpoint? checkpoint, CancellationToken cancellationToken)
    {
        var runId = checkpoint?.RunId ?? Guid.NewGuid().ToString("N");
        foreach (var (action, count) in checkpoint?.Done ?? new Dictionary<string, long>())
        {
            if (Enum.TryParse<PlanAction>(action, out var a))
            {
                _done[a] = count;
            }
        }

        _bytesDone = checkpoint?.Bytes ?? 0;
        var tracker = new CheckpointTracker(checkpoint?.After);
        var file = settings.CheckpointPath is null ? null : new CheckpointFile(settings.CheckpointPath);
        var tally = new PlanTally();
        var skipped = new List<ReconcileSkip>();
        var orphans = new List<PlanItem>();
        var running = new ConcurrentDictionary<long, Task>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var lastSave = DateTime.UtcNow;
        var completed = false;

        void SaveCheckpoint() => file?.Save(new Checkpoint(1, runId, scope, tracker.After,
            _done.ToDictionary(e => e.Key.ToString(), e => e.Value), Interlocked.Read(ref _bytesDone), null, DateTimeOffset.UtcNow));

        try
        {
            await foreach (var item in plan.WithCancellation(stop.Token))
            {
                tally.Add(item);
                progress.Planned(item);
                if (item.Action == PlanAction.Skip)
                {
                    if (item.Reported)
                    {
                        skipped.Add(new ReconcileSkip(item.Key, item.Reason));
                    }

                    tracker.Complete(tracker.Start(item.Key));
                    continue;
                }

                onDrift?.Invoke(item);
                if (settings.DryRun || item.Action == PlanAction.DeleteOrphan)
                {
                    if (item.Action == PlanAction.DeleteOrphan && settings.Delete && !settings.DryRun)
                    {
                        orphans.Add(item);
                    }

                    tracker.Complete(tracker.Start(item.Key));
                    continue;
                }

                if (item.Action == PlanAction.GenerateVariant && !settings.Variants)
                {
                    tracker.Complete(tracker.Start(item.Key));
                    continue;
                }

                var ticket = tracker.Start(item.Key);
                await slots.WaitAsync(stop.Token);
                var task = RunOneAsync(item, stop);
                running[ticket] = task.ContinueWith(
                    finished =>
                    {
                        // A step cut short by cancellation is not done: the checkpoint must stay before it.
                        if (finished.Result)
                        {
                            tracker.Complete(ticket);
                        }

                        slots.Release();
                        running.TryRemove(ticket, out Task? _);
                    },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

                if (file is not null && DateTime.UtcNow - lastSave >= settings.CheckpointEvery)
                {
                    SaveCheckpoint();
                    lastSave = DateTime.UtcNow;
                }
            }

            await Task.WhenAll(running.Values);
            ThrowIfFatal();
            ThrowIfCancelled(cancellationToken);

            string? refused = null;
            if (orphans.Count > 0)
            {
                refused = settings.Guard.Check(orphans.Count, tally.ObjectsListed, settings.Force);
                if (refused is null)
                {
                    await Parallel.ForEachAsync(orphans, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = stop.Token },
                        async (item, ct) => await RunOneAsync(item, stop));
                    ThrowIfCancelled(cancellationToken);
                    ThrowIfFatal();
                }
            }

            completed = true;
            var result = new ExecutionResult(
                tally,
                _done.ToDictionary(e => e.Key.ToString(), e => e.Value),
                Interlocked.Read(ref _bytesDone),
                [.. _failures.OrderBy(f => f.Key, KeyOrder.Utf8)],
                skipped,
                refused,
                DriftLeft(tally));
            return result;
        }
        catch (OperationCanceledException) when (_fatal is not null)
        {
            ThrowIfFatal();
            throw;
        }
        finally
        {
            if (!completed && file is not null)
            {
                // Let in-flight steps finish or cancel, so the checkpoint only covers finished work.
                await Task.WhenAll(running.Values.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                SaveCheckpoint();
            }
            else if (completed)
            {
                file?.Delete();
            }
        }
    }

    private long DriftLeft(PlanTally tally)
    {
        if (settings.DryRun)
        {
            return tally.Drift;
        }

        long left = 0;
        foreach (var action in Enum.GetValues<PlanAction>())
        {
            if (action == PlanAction.Skip || (action == PlanAction.GenerateVariant && !settings.Variants))
            {
                continue;
            }

            // Counts from a resumed checkpoint cover items the plan no longer shows; never below zero.
            left += Math.Max(0, tally.Count(action) - (_done.TryGetValue(action, out var d) ? d : 0));
        }

        return left;
    }

    /// <summary>Runs one step; false when it was cut short by cancellation, true when it succeeded or failed for good.</summary>
    private async Task<bool> RunOneAsync(PlanItem item, CancellationTokenSource stop)
    {
        var succeeded = false;
        var finished = true;
        try
        {
            if (item.Action is PlanAction.Upload or PlanAction.Replace)
            {
                var write = _retry.ExecuteAsync(async ct => await steps.UploadAsync(item, ct), stop.Token).AsTask();
                steps.Track(item, write);
                await write;
            }
            else
            {
                await _retry.ExecuteAsync(async ct => await steps.RunAsync(item, ct), stop.Token);
            }

            _done.AddOrUpdate(item.Action, 1, (_, n) => n + 1);
            Interlocked.Add(ref _bytesDone, item.Bytes);
            succeeded = true;
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            finished = false;
        }
        catch (Exception e) when (S3Errors.IsFatal(e, out _))
        {
            Interlocked.CompareExchange(ref _fatal, e, null);
            await stop.CancelAsync();
            finished = false;
        }
        catch (Exception e)
        {
            _failures.Enqueue(new ReconcileFailure(item.Key, item.Action.ToString(), e.Message));
        }
        finally
        {
            progress.Finished(item, succeeded);
        }

        return finished;
    }

    private static void ThrowIfCancelled(CancellationToken cancellationToken) => cancellationToken.ThrowIfCancellationRequested();

    private void ThrowIfFatal()
    {
        if (_fatal is not null)
        {
            throw _fatal;
        }
    }
}
