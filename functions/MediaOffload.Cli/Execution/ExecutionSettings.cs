using MediaOffload.Core.Reconcile;

namespace MediaOffload.Cli.Execution;

/// <summary>How a plan is carried out.</summary>
/// <param name="Bucket">The media bucket.</param>
/// <param name="DryRun">Plan only: nothing is written or deleted.</param>
/// <param name="Delete">Delete orphans (subject to <paramref name="Guard"/>).</param>
/// <param name="Force">Lift the delete cap.</param>
/// <param name="Concurrency">Requests in flight at once.</param>
/// <param name="Guard">The delete cap.</param>
/// <param name="Variants">Encode missing and stale WebP variants in-process.</param>
/// <param name="CheckpointPath">Where to keep the checkpoint; null for none.</param>
/// <param name="CheckpointEvery">How often the checkpoint is written while items finish.</param>
internal sealed record ExecutionSettings(
    string Bucket,
    bool DryRun,
    bool Delete,
    bool Force,
    int Concurrency,
    DeletionGuard Guard,
    bool Variants,
    string? CheckpointPath,
    TimeSpan CheckpointEvery);
