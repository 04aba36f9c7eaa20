namespace MediaOffload.Core.Reconcile;

/// <summary>
/// The mass-delete cap (docs/reconcile.md): a plan may delete at most <see cref="MaxObjects"/> objects and at most
/// <see cref="MaxFraction"/> of the objects listed, unless forced.
/// </summary>
/// <param name="MaxObjects">Most orphans deleted without force. Default 100.</param>
/// <param name="MaxFraction">Largest share of listed objects deleted without force, 0-1. Default 0.10.</param>
public sealed record DeletionGuard(int MaxObjects = 100, double MaxFraction = 0.10)
{
    /// <summary>Null when deleting <paramref name="orphans"/> of <paramref name="listed"/> objects is allowed, else why not.</summary>
    public string? Check(long orphans, long listed, bool force)
    {
        if (force || orphans == 0)
        {
            return null;
        }

        if (orphans > MaxObjects)
        {
            return $"refusing to delete {orphans} objects: more than the cap of {MaxObjects} (use --force)";
        }

        if (listed > 0 && orphans > MaxFraction * listed)
        {
            return $"refusing to delete {orphans} of {listed} objects: more than {MaxFraction:P0} of the bucket (use --force)";
        }

        return null;
    }
}
