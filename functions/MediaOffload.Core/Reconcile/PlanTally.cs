namespace MediaOffload.Core.Reconcile;

/// <summary>Counts and bytes per action of a plan; not thread-safe (one per merge).</summary>
public sealed class PlanTally
{
    private readonly long[] _counts = new long[Enum.GetValues<PlanAction>().Length];
    private readonly long[] _bytes = new long[Enum.GetValues<PlanAction>().Length];

    /// <summary>Objects in the bucket listing that the plan looked at.</summary>
    public long ObjectsListed { get; private set; }

    /// <summary>Adds one item.</summary>
    public void Add(PlanItem item)
    {
        _counts[(int)item.Action]++;
        _bytes[(int)item.Action] += item.Bytes;
        if (item.Object is not null)
        {
            ObjectsListed++;
        }
    }

    /// <summary>Items of one action.</summary>
    public long Count(PlanAction action) => _counts[(int)action];

    /// <summary>Bytes of one action (see <see cref="PlanItem.Bytes"/>).</summary>
    public long Bytes(PlanAction action) => _bytes[(int)action];

    /// <summary>Items that change the bucket, orphans included.</summary>
    public long Drift => _counts.Sum() - Count(PlanAction.Skip);

    /// <summary>Counts by action name, for reports.</summary>
    public IReadOnlyDictionary<string, long> ToDictionary() =>
        Enum.GetValues<PlanAction>().ToDictionary(a => a.ToString(), Count);
}
