using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Jobs;
using MediaOffload.Api.Notifications;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>The OffloadWorker role: a job object was created in the control bucket, so run the job.</summary>
public sealed class OffloadEventHandler(JobStore jobs, OffloadWorker worker, IOptions<OffloadOptions> options, TimeProvider clock) : IS3EventHandler
{
    public const string EndpointPath = "/events/offload";

    private readonly string _controlBucket = options.Value.ControlBucket;

    public string Path => EndpointPath;

    public bool Wants(string bucket, string key, string eventName) =>
        bucket == _controlBucket
        && key.StartsWith(OffloadJob.KeyPrefix, StringComparison.Ordinal)
        && key.EndsWith(".json", StringComparison.Ordinal)
        && eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal);

    public async Task<RecordOutcome> HandleAsync(S3NotificationRecord record, string bucket, string key, Invocation invocation, CancellationToken cancellationToken)
    {
        var job = await jobs.LoadAsync(bucket, key, cancellationToken);
        if (job is null)
        {
            // Gone before we got to it: a later event or the lifecycle rule removed it; nothing to retry.
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Ignored, "job object no longer exists");
        }

        var files = await worker.RunAsync(job, invocation.Deadline, cancellationToken);
        await jobs.SaveOutcomeAsync(new JobOutcome(job.JobId, clock.GetUtcNow(), files), cancellationToken);
        // A refused file is final (its key is another's), and so is a permanent failure: neither fails the record,
        // since a retry would end the same way.
        var failed = files.Count(f => f.Failed && !f.Permanent);
        var refused = files.Count(f => f.Status == FileStatus.Refused);
        return failed == 0
            ? new RecordOutcome(bucket, key, record.EventName, RecordStatus.Succeeded, refused == 0 ? null : $"{refused} of {files.Count} files refused", files)
            : new RecordOutcome(bucket, key, record.EventName, RecordStatus.Failed, $"{failed} of {files.Count} files failed", files);
    }
}
