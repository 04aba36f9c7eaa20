using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Reconcile;
using MediaOffload.Core.Notifications;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The Reconciler role's S3 side: a run's checkpoint was written (by <c>POST /v1/backfill</c> or by an invocation
/// that reached its deadline), so the run goes on from it.
/// </summary>
public sealed class ReconcileEventHandler(IObjectStore store, ReconcileRunner runner, IOptions<OffloadOptions> options) : IS3EventHandler
{
    public const string EndpointPath = "/events/reconcile";

    private readonly OffloadOptions _options = options.Value;

    public string Path => EndpointPath;

    public bool Wants(string bucket, string key, string eventName) =>
        bucket == _options.ControlBucket
        && key.StartsWith(Checkpoint.KeyPrefix, StringComparison.Ordinal)
        && key.EndsWith(".json", StringComparison.Ordinal)
        && eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal);

    public async Task<RecordOutcome> HandleAsync(S3NotificationRecord record, string bucket, string key, Invocation invocation, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(bucket, key, cancellationToken);
        if (stream is null)
        {
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Ignored, "checkpoint no longer exists (the run finished)");
        }

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        var state = RunState.FromJson(buffer.ToArray());
        var problem = state is null ? "unreadable JSON" : state.Request?.Problem();
        if (problem is not null)
        {
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Failed, $"not a reconcile checkpoint: {problem}");
        }

        var progress = await runner.RunAsync(state!, invocation.Deadline, cancellationToken);
        var runId = progress.State.RunId;
        return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Succeeded,
            progress.Finished ? $"run {runId} finished" : $"run {runId} continues after {progress.State.After}");
    }
}
