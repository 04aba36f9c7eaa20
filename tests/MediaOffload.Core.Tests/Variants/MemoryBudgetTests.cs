using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Tests.Variants;

public sealed class MemoryBudgetTests
{
    [Fact]
    public async Task AcquireAsync_MoreThanIsFree_WaitsUntilAnotherLeaseEnds()
    {
        var budget = new MemoryBudget(1000);
        var first = await budget.AcquireAsync(600, CancellationToken.None);

        var second = budget.AcquireAsync(600, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        Assert.Equal(600, budget.InUse);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task AcquireAsync_ConcurrentLeases_NeverExceedTheBudget()
    {
        var budget = new MemoryBudget(1000);
        long peak = 0;
        var gate = new object();
        var random = new Random(1);
        var costs = Enumerable.Range(0, 200).Select(_ => (long)random.Next(1, 1001)).ToArray();

        await Parallel.ForEachAsync(costs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (cost, ct) =>
        {
            using var lease = await budget.AcquireAsync(cost, ct);
            lock (gate)
            {
                peak = Math.Max(peak, budget.InUse);
            }

            await Task.Yield();
        });

        Assert.InRange(peak, 1, 1000);
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task AcquireAsync_LargeWaiterFirst_IsNotOvertakenBySmallOnes()
    {
        var budget = new MemoryBudget(1000);
        var held = await budget.AcquireAsync(500, CancellationToken.None);
        var large = budget.AcquireAsync(900, CancellationToken.None).AsTask();
        var small = budget.AcquireAsync(100, CancellationToken.None).AsTask();
        await Task.Delay(100);

        Assert.False(small.IsCompleted, "a small request jumped the queue ahead of the large one");
        held.Dispose();
        (await large.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        (await small.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_HoldsNothingAndLetsOthersThrough()
    {
        var budget = new MemoryBudget(1000);
        var held = await budget.AcquireAsync(800, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = budget.AcquireAsync(900, cancel.Token).AsTask();
        var next = budget.AcquireAsync(200, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        held.Dispose();
        Assert.Equal(0, budget.InUse);
    }

    [Fact]
    public async Task AcquireAsync_MoreThanTheWholeBudget_Throws()
    {
        var budget = new MemoryBudget(1000);
        Assert.False(budget.CanEverFit(1001));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await budget.AcquireAsync(1001, CancellationToken.None));
    }
}
