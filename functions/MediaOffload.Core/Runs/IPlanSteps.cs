using MediaOffload.Core.Reconcile;

namespace MediaOffload.Core.Runs;

/// <summary>
/// What carries out a plan's steps for <see cref="PlanRunner"/>: local files for the CLI, job fan-out for the
/// Reconciler function. The runner decides what to run, in what order and how many at once; the steps only do.
/// </summary>
public interface IPlanSteps
{
    /// <summary>
    /// Carries out one step that changes the bucket. Throws <see cref="StepFailedException"/> for a failure of this
    /// item alone; any other exception is recorded the same way unless <see cref="IsFatal"/> says the run must stop.
    /// Retries are the storage client's own: a step does not retry.
    /// </summary>
    Task RunAsync(PlanItem item, CancellationToken cancellationToken);

    /// <summary>Finishes what the steps hold back (job objects not yet written) and returns the items that failed in it.</summary>
    Task<IReadOnlyList<ReconcileFailure>> FlushAsync(CancellationToken cancellationToken);

    /// <summary>Whether no later step can succeed either (refused credentials, a missing bucket): the run stops.</summary>
    bool IsFatal(Exception exception);

    /// <summary>A failure's reason in words a report may carry (never an SDK message).</summary>
    string Describe(Exception exception);
}

/// <summary>A step failed for a reason an operator can act on; the run goes on with the other items.</summary>
/// <param name="permanent">
/// Retrying cannot help while the file is unchanged (a pixel bomb, a truncated image): the CLI remembers it in its
/// state, so it is reported as a failure once (docs/reconcile.md, "Exit codes").
/// </param>
/// <param name="known">
/// The same permanent failure was reported by an earlier run and the file has not changed since: the runner lists it
/// with the skips and it does not count against the run.
/// </param>
public sealed class StepFailedException(string message, Exception? inner = null, bool permanent = false, bool known = false) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent || known;

    public bool Known { get; } = known;
}
