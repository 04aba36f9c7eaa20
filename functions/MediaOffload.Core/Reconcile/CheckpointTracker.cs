namespace MediaOffload.Core.Reconcile;

/// <summary>
/// Turns out-of-order completions of in-order work into a checkpoint key. Items are started in plan (key)
/// order and may finish in any order; <see cref="After"/> is the last key below which everything finished.
/// Thread-safe. Memory is bounded by the items in flight.
/// </summary>
public sealed class CheckpointTracker(string? resumedAfter = null)
{
    private readonly object _gate = new();
    private readonly SortedDictionary<long, (string Key, bool Done)> _open = [];
    private long _next;

    /// <summary>The checkpoint key; starts at the key the run resumed after.</summary>
    public string? After { get; private set; } = resumedAfter;

    /// <summary>Registers an item about to start; returns the ticket to pass to <see cref="Complete"/>.</summary>
    public long Start(string key)
    {
        lock (_gate)
        {
            _open[_next] = (key, false);
            return _next++;
        }
    }

    /// <summary>
    /// Marks an item finished (successfully or not: failures are reported, not retried by a resume) and returns the
    /// tickets that <see cref="After"/> now covers, in order: this one and any finished ones it was holding back.
    /// </summary>
    public IReadOnlyList<long> Complete(long ticket)
    {
        lock (_gate)
        {
            _open[ticket] = (_open[ticket].Key, true);
            List<long>? passed = null;
            while (_open.Count > 0)
            {
                var first = _open.First();
                if (!first.Value.Done)
                {
                    break;
                }

                After = first.Value.Key;
                _open.Remove(first.Key);
                (passed ??= []).Add(first.Key);
            }

            return passed ?? [];
        }
    }
}
