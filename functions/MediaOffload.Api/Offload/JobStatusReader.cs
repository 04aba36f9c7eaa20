using MediaOffload.Api.Configuration;
using MediaOffload.Api.Variants;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Offload;

/// <summary>
/// What became of a job (docs/status.md): the job, the worker's last recorded outcome, and for each image its variant
/// keys as the bucket holds them now, with the recorded reason when one was rejected.
/// </summary>
public sealed class JobStatusReader(IObjectStore store, JobStore jobs, VariantRejections rejections, IOptions<VariantOptions> variantOptions, IOptions<OffloadOptions> options)
{
    private readonly IReadOnlySet<VariantTarget> _formats = VariantOptions.ParseFormats(variantOptions.Value.Formats);
    private readonly string _mediaBucket = options.Value.MediaBucket;

    /// <summary>The job's status, or null when there is no such job.</summary>
    public async Task<(OffloadJob Job, JobStatus Status)?> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        var job = await jobs.LoadAsync(jobId, cancellationToken);
        if (job is null)
        {
            return null;
        }

        var outcome = await jobs.LoadOutcomeAsync(jobId, cancellationToken);
        var byPath = (outcome?.Files ?? []).ToDictionary(f => f.Path, StringComparer.Ordinal);
        var files = await Task.WhenAll(job.Files.Select(f => FileStatusAsync(job, f, byPath.GetValueOrDefault(f.Path), cancellationToken)));
        return (job, JobStatus.Of(job, outcome?.FinishedAt, files));
    }

    private async Task<JobFileStatus> FileStatusAsync(OffloadJob job, JobFile file, FileOutcome? outcome, CancellationToken cancellationToken)
    {
        var status = outcome?.Status switch
        {
            null => FileStates.Pending,
            FileStatus.Uploaded => FileStates.Uploaded,
            FileStatus.Unchanged => FileStates.Unchanged,
            FileStatus.Deleted => FileStates.Deleted,
            FileStatus.Refused => FileStates.Refused,
            _ => FileStates.Failed,
        };
        var landed = status is FileStates.Uploaded or FileStates.Unchanged;
        var variants = job.IsDelete || status is FileStates.Failed or FileStates.Refused ? []
            : await VariantsAsync(file.Key, landed, cancellationToken);
        return new JobFileStatus(
            file.Path, file.Key, status, outcome?.Bytes ?? file.Size, file.Md5, Verified: landed, outcome?.Reason,
            Retryable: status == FileStates.Failed && !outcome!.Permanent, variants);
    }

    private async Task<IReadOnlyList<VariantStatus>> VariantsAsync(string sourceKey, bool landed, CancellationToken cancellationToken)
    {
        if (!VariantKeys.TryGetSourceKind(sourceKey, out var kind))
        {
            return [];
        }

        var targets = VariantKeys.TargetsFor(kind, _formats);
        var source = landed ? await store.HeadAsync(_mediaBucket, sourceKey, cancellationToken) : null;
        var result = new List<VariantStatus>();
        foreach (var target in targets)
        {
            var key = VariantKeys.VariantKeyFor(sourceKey, target);
            result.Add(source is null
                ? new VariantStatus(target.Name(), key, VariantStates.Pending)
                : await VariantAsync(key, target, source, cancellationToken));
        }

        return result;
    }

    private async Task<VariantStatus> VariantAsync(string key, VariantTarget target, StoredObject source, CancellationToken cancellationToken)
    {
        var variant = await store.HeadAsync(_mediaBucket, key, cancellationToken);
        if (variant?.Headers is { } headers && VariantMetadata.IsVariant(headers) && ETags.Same(headers.Meta(VariantMetadata.SourceETag), source.ETag))
        {
            return new VariantStatus(target.Name(), key, VariantStates.Made, headers.Meta(VariantDecision.FormatKey), variant.Size);
        }

        return await rejections.FindAsync(key, source.ETag, cancellationToken) is { } reason
            ? new VariantStatus(target.Name(), key, VariantStates.Failed, Reason: reason)
            : new VariantStatus(target.Name(), key, VariantStates.Pending);
    }
}
