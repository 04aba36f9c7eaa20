using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Reconcile;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Runs;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The Reconciler role's S3 side: a run's checkpoint was written (by <c>POST /v1/backfill</c> or by an invocation
/// that reached its deadline), so the run goes on from it.
/// </summary>
public sealed class ReconcileEventHandler(MediaStores stores, ReconcileRunner runner, IOptions<OffloadOptions> options) : IS3EventHandler
{
    public const string EndpointPath = "/events/reconcile";

    private readonly OffloadOptions _options = options.Value;

    public string Path => EndpointPath;

    public bool Wants(string bucket, string key, string eventName) =>
        bucket == _options.ControlBucket
        && key.StartsWith(RunCheckpoint.KeyPrefix, StringComparison.Ordinal)
        && key.EndsWith(".json", StringComparison.Ordinal)
        && eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal);

    public async Task<RecordOutcome> HandleAsync(S3NotificationRecord record, string bucket, string key, Invocation invocation, CancellationToken cancellationToken)
    {
        var (exists, checkpoint) = await stores.Control.LoadAsync(key, cancellationToken);
        if (!exists)
        {
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Ignored, "checkpoint no longer exists (the run finished)");
        }

        var problem = checkpoint is null ? "unreadable JSON or another format version" : checkpoint.Request.Problem();
        if (problem is not null)
        {
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Failed, $"not a reconcile checkpoint: {problem}");
        }

        var outcome = await runner.RunAsync(checkpoint!, invocation.Deadline, cancellationToken);
        var runId = outcome.Checkpoint.RunId;
        return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Succeeded,
            outcome.Finished ? $"run {runId} finished" : $"run {runId} continues after {outcome.Checkpoint.After}");
    }
}
