namespace MediaOffload.Core.Variants;

/// <summary>
/// The memory a process lets its encodes take at once (docs/imaging.md, "Memory"). An encode asks for its estimated
/// peak before it starts and waits until that much is free, so concurrent encodes never add up to more than the
/// budget; one that could never fit is refused at once, never attempted. Waiters are served in arrival order, so a
/// large image is not starved by a stream of small ones. Thread-safe.
/// </summary>
public sealed class MemoryBudget
{
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _inUse;

    /// <param name="bytes">The budget; at least 1 byte.</param>
    public MemoryBudget(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        Bytes = bytes;
    }

    /// <summary>The budget in bytes.</summary>
    public long Bytes { get; }

    /// <summary>Bytes held by encodes running now.</summary>
    public long InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse;
            }
        }
    }

    /// <summary>Whether an encode of <paramref name="cost"/> bytes can ever run under this budget.</summary>
    public bool CanEverFit(long cost) => cost <= Bytes;

    /// <summary>Waits until <paramref name="cost"/> bytes are free and holds them until the lease is disposed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The cost is larger than the whole budget; check <see cref="CanEverFit"/> first.</exception>
    public async ValueTask<IDisposable> AcquireAsync(long cost, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cost, Bytes);
        Waiter waiter;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _inUse + cost <= Bytes)
            {
                _inUse += cost;
                return new Lease(this, cost);
            }

            waiter = new Waiter(cost);
            waiter.Node = _waiters.AddLast(waiter);
        }

        await using (cancellationToken.Register(() => Cancel(waiter)))
        {
            await waiter.Granted.Task;
        }

        return new Lease(this, cost);
    }

    private void Cancel(Waiter waiter)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null)
            {
                return;
            }

            _waiters.Remove(waiter.Node);
            waiter.Granted.TrySetCanceled();
            GrantWaiting();
        }
    }

    private void Release(long cost)
    {
        lock (_gate)
        {
            _inUse -= cost;
            GrantWaiting();
        }
    }

    // Under the lock: grant from the head of the queue while the head fits.
    private void GrantWaiting()
    {
        while (_waiters.First is { } first && _inUse + first.Value.Cost <= Bytes)
        {
            _waiters.RemoveFirst();
            _inUse += first.Value.Cost;
            first.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long cost)
    {
        public long Cost { get; } = cost;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(MemoryBudget budget, long cost) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                budget.Release(cost);
            }
        }
    }
}
