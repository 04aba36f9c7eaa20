using System.Collections.Concurrent;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Tests.Reconcile;

namespace MediaOffload.Core.Tests.Runs;

/// <summary>The engine's own rules, over a recording steps port (the adapters are tested against real parts elsewhere).</summary>
public class PlanRunnerTests
{
    private static readonly ReportLabels Labels = new("sync", "b", "wp-content/uploads/", "test");

    [Fact]
    public async Task RunAsync_OrphansUnderARaisedCapAboveTheReportCap_DeletesEveryOne()
    {
        var orphans = Enumerable.Range(0, 150).Select(i => PlannerFixture.ObjectFor(PlannerFixture.Source($"2020/01/o-{i:D3}.pdf"))).ToList();
        var steps = new RecordingSteps();
        var options = new RunOptions { Delete = true, Guard = new DeletionGuard(MaxObjects: 200, MaxFraction: 1), MaxReported = 10 };

        var outcome = await RunAsync(steps, options, [], orphans);

        Assert.True(outcome.Finished);
        Assert.Equal(150, steps.Ran.Count(i => i.Action == PlanAction.DeleteOrphan));
        Assert.Equal(150, outcome.Report!.Done[nameof(PlanAction.DeleteOrphan)]);
        Assert.Null(outcome.Report.DeleteRefused);
    }

    [Fact]
    public async Task RunAsync_OrphansAboveTheCap_DeletesNoneAndSaysWhy()
    {
        var orphans = Enumerable.Range(0, 5).Select(i => PlannerFixture.ObjectFor(PlannerFixture.Source($"2020/01/o-{i}.pdf"))).ToList();
        var steps = new RecordingSteps();

        var outcome = await RunAsync(steps, new RunOptions { Delete = true, Guard = new DeletionGuard(MaxObjects: 3) }, [], orphans);

        Assert.Empty(steps.Ran);
        Assert.Contains("refusing to delete 5", outcome.Report!.DeleteRefused);
        Assert.Equal(5, outcome.Report.Drift);
    }

    [Fact]
    public async Task RunAsync_ManyFailures_KeepsTheCapAndCountsThemAll()
    {
        var sources = Enumerable.Range(0, 10).Select(i => PlannerFixture.Source($"2024/01/f-{i}.pdf")).ToList();
        var steps = new RecordingSteps { Fail = _ => new StepFailedException("refused by the test") };

        var outcome = await RunAsync(steps, new RunOptions { MaxReported = 3 }, sources, []);

        Assert.Equal(3, outcome.Report!.Failures.Count);
        Assert.Equal(10, outcome.Report.FailureCount);
        Assert.False(outcome.Report.InSync);
    }

    [Fact]
    public async Task RunAsync_KnownRejection_IsSettledNotAFailure()
    {
        var sources = new[] { PlannerFixture.Source("2024/01/a.pdf"), PlannerFixture.Source("2024/01/b.pdf") };
        var steps = new RecordingSteps { Fail = i => i.Key.EndsWith("a.pdf", StringComparison.Ordinal) ? new StepFailedException("known: bad", known: true) : null };

        var outcome = await RunAsync(steps, new RunOptions(), sources, []);

        Assert.Equal(0, outcome.Report!.FailureCount);
        Assert.Equal(0, outcome.Report.Drift);
        Assert.True(outcome.Report.InSync);
        Assert.Contains(outcome.Report.Skipped, s => s.Reason == "known: bad");
        Assert.Equal(1, outcome.Report.Done[nameof(PlanAction.Upload)]);
    }

    [Fact]
    public async Task RunAsync_FatalError_StopsTheRunAndRethrows()
    {
        var sources = Enumerable.Range(0, 50).Select(i => PlannerFixture.Source($"2024/01/f-{i:D2}.pdf")).ToList();
        var steps = new RecordingSteps { Fail = _ => new FatalException() };

        await Assert.ThrowsAsync<FatalException>(() => RunAsync(steps, new RunOptions { Parallelism = 2 }, sources, []));
        Assert.True(steps.Ran.Count < 50, $"{steps.Ran.Count} steps ran after a fatal error");
    }

    [Fact]
    public async Task RunAsync_DeadlineThenResume_DoesEachItemOnceAndReportsTheWholeRun()
    {
        var sources = Enumerable.Range(0, 30).Select(i => PlannerFixture.Source($"2024/01/f-{i:D2}.pdf")).ToList();
        var clock = new ManualClock();
        var steps = new RecordingSteps { OnRun = _ => clock.Now += TimeSpan.FromSeconds(1) };
        var store = new MemoryCheckpoints();
        var checkpoint = Start();
        RunOutcome outcome;
        var stretches = 0;
        do
        {
            stretches++;
            var options = new RunOptions { Parallelism = 1, StopAt = clock.GetUtcNow() + TimeSpan.FromSeconds(10) };
            var planner = new ReconcilePlanner(PlannerFixture.Options with { Resume = checkpoint.Resume });
            outcome = await new PlanRunner(steps, options, clock).RunAsync(Inputs(planner, sources, []), checkpoint, store, null, Labels, CancellationToken.None);
            checkpoint = outcome.Checkpoint;
        }
        while (!outcome.Finished && stretches < 10);

        Assert.True(outcome.Finished);
        Assert.Equal(3, stretches);
        Assert.Equal(sources.Select(s => PlannerFixture.Options.KeyFor(s.Path)), steps.Ran.Select(i => i.Key));
        Assert.Equal(30, outcome.Report!.Done[nameof(PlanAction.Upload)]);
        Assert.Equal(30, outcome.Report.Planned[nameof(PlanAction.Upload)]);
        Assert.Equal(2, store.Saved.Count);
        Assert.Equal(1, store.Deleted);
    }

    [Fact]
    public async Task RunAsync_StepsFinishingOutOfOrder_CheckpointCountsOnlyWhatItCovers()
    {
        var sources = Enumerable.Range(0, 6).Select(i => PlannerFixture.Source($"2024/01/f-{i}.pdf")).ToList();
        var gate = new TaskCompletionSource();
        using var cancel = new CancellationTokenSource();
        // f-1 hangs until cancelled; the rest finish at once, after it in plan order.
        var steps = new RecordingSteps
        {
            Wait = (i, ct) => i.Key.EndsWith("f-1.pdf", StringComparison.Ordinal) ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask,
            OnRun = i =>
            {
                if (i.Key.EndsWith("f-5.pdf", StringComparison.Ordinal))
                {
                    cancel.CancelAfter(50);
                }
            },
        };
        var store = new MemoryCheckpoints();

        var run = new PlanRunner(steps, new RunOptions { Parallelism = 8 }, TimeProvider.System)
            .RunAsync(Inputs(new ReconcilePlanner(PlannerFixture.Options), sources, []), Start(), store, null, Labels, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var saved = Assert.Single(store.Saved);
        Assert.Equal(PlannerFixture.Options.KeyFor("2024/01/f-0.pdf"), saved.After);
        Assert.Equal(1, saved.Done[nameof(PlanAction.Upload)]);
        Assert.Equal(1, saved.Planned[nameof(PlanAction.Upload)]);
    }

    [Fact]
    public async Task RunAsync_VariantCutShortAfterItsSourceIsCovered_IsKeptInTheCheckpointAndMadeOnResume()
    {
        // Plan order: a.jpg (in sync), a.jpg-z.pdf (upload), then a.jpg.webp (missing), which sorts after both.
        var image = PlannerFixture.Source("2024/01/a.jpg");
        var sources = new[] { image, PlannerFixture.Source("2024/01/a.jpg-z.pdf") };
        var objects = new[] { PlannerFixture.ObjectFor(image) };
        using var cancel = new CancellationTokenSource();
        var steps = new RecordingSteps
        {
            Wait = (i, ct) => i.Action == PlanAction.GenerateVariant ? Task.Delay(Timeout.Infinite, ct) : Task.CompletedTask,
            OnRun = i =>
            {
                if (i.Action == PlanAction.GenerateVariant)
                {
                    cancel.CancelAfter(50);
                }
            },
        };
        var store = new MemoryCheckpoints();
        var first = new PlanRunner(steps, new RunOptions(), TimeProvider.System)
            .RunAsync(Inputs(new ReconcilePlanner(PlannerFixture.Options), sources, objects), Start(), store, null, Labels, cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

        var saved = Assert.Single(store.Saved);
        Assert.Equal(PlannerFixture.Options.KeyFor("2024/01/a.jpg-z.pdf"), saved.After);
        Assert.Equal([PlannerFixture.Options.KeyFor("2024/01/a.jpg.webp")], saved.Resume!.Pending.Select(v => v.Key));

        var resumed = new RecordingSteps();
        var outcome = await new PlanRunner(resumed, new RunOptions(), TimeProvider.System).RunAsync(
            Inputs(new ReconcilePlanner(PlannerFixture.Options with { Resume = saved.Resume }), sources, objects), saved, store, null, Labels, CancellationToken.None);

        var made = Assert.Single(resumed.Ran);
        Assert.Equal((PlanAction.GenerateVariant, PlannerFixture.Options.KeyFor("2024/01/a.jpg.webp")), (made.Action, made.Key));
        Assert.Equal(1, outcome.Report!.Done[nameof(PlanAction.GenerateVariant)]);
        Assert.Equal(1, outcome.Report.Done[nameof(PlanAction.Upload)]);
    }

    private static RunCheckpoint Start() =>
        RunCheckpoint.Start(new ReconcileRequest("sync", DryRun: false, Delete: true), "test-scope", DateTimeOffset.UnixEpoch);

    private static PlanInputs Inputs(ReconcilePlanner planner, IEnumerable<SourceEntry> sources, IEnumerable<StoredObject> objects)
    {
        var o = planner.Options;
        return new PlanInputs(planner,
            sources.OrderBy(s => o.KeyFor(s.Path), KeyOrder.Utf8).ToAsyncEnumerable(),
            objects.OrderBy(x => x.Key, KeyOrder.Utf8).ToAsyncEnumerable());
    }

    private static Task<RunOutcome> RunAsync(RecordingSteps steps, RunOptions options, IEnumerable<SourceEntry> sources, IEnumerable<StoredObject> objects) =>
        new PlanRunner(steps, options, TimeProvider.System).RunAsync(
            Inputs(new ReconcilePlanner(PlannerFixture.Options), sources, objects), Start(), null, null, Labels, CancellationToken.None);

    private sealed class FatalException : Exception;

    /// <summary>A clock that moves only when told, so a deadline falls after a known number of steps.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private sealed class RecordingSteps : IPlanSteps
    {
        public ConcurrentQueue<PlanItem> Ran { get; } = new();

        public Func<PlanItem, Exception?> Fail { get; init; } = _ => null;

        public Func<PlanItem, CancellationToken, Task> Wait { get; init; } = (_, _) => Task.CompletedTask;

        public Action<PlanItem> OnRun { get; init; } = _ => { };

        public async Task RunAsync(PlanItem item, CancellationToken cancellationToken)
        {
            Ran.Enqueue(item);
            OnRun(item);
            await Wait(item, cancellationToken);
            if (Fail(item) is { } failure)
            {
                throw failure;
            }
        }

        public Task<IReadOnlyList<ReconcileFailure>> FlushAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ReconcileFailure>>([]);

        public bool IsFatal(Exception exception) => exception is FatalException;

        public string Describe(Exception exception) => exception.Message;
    }

    private sealed class MemoryCheckpoints : ICheckpointStore
    {
        public List<RunCheckpoint> Saved { get; } = [];

        public int Deleted { get; private set; }

        public Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            // Through the wire format, as both real stores keep it.
            Saved.Add(RunCheckpoint.FromJson(checkpoint.ToJson())!);
            return Task.CompletedTask;
        }

        public Task DeleteAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            Deleted++;
            return Task.CompletedTask;
        }
    }
}
