using System.Collections.Concurrent;
using MediaOffload.Api.Configuration;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Offload;

/// <summary>Runs one job: every file on its own, so one bad file never fails the others.</summary>
public sealed class OffloadWorker(FileOffloader offloader, IObjectStore store, IOptions<OffloadOptions> options, ILogger<OffloadWorker> logger)
{
    private readonly OffloadOptions _options = options.Value;

    public async Task<IReadOnlyList<FileOutcome>> RunAsync(OffloadJob job, CancellationToken cancellationToken)
    {
        var outcomes = new ConcurrentBag<FileOutcome>();
        await Parallel.ForEachAsync(
            job.Files,
            new ParallelOptions { MaxDegreeOfParallelism = _options.FileConcurrency, CancellationToken = cancellationToken },
            async (file, ct) => outcomes.Add(job.IsDelete ? await DeleteAsync(file, ct) : await offloader.OffloadAsync(file, ct)));

        var ordered = outcomes.OrderBy(o => o.Path, StringComparer.Ordinal).ToArray();
        foreach (var failure in ordered.Where(o => o.Failed))
        {
            logger.LogWarning("Job {JobId}: {Key} failed: {Reason}", job.JobId, failure.Key, failure.Reason);
        }

        logger.LogInformation(
            "Job {JobId} ({Type}, attachment {AttachmentId}): {Uploaded} uploaded, {Unchanged} unchanged, {Deleted} deleted, {Failed} failed",
            job.JobId, job.Type, job.AttachmentId,
            ordered.Count(o => o.Status == FileStatus.Uploaded), ordered.Count(o => o.Status == FileStatus.Unchanged),
            ordered.Count(o => o.Status == FileStatus.Deleted), ordered.Count(o => o.Failed));
        return ordered;
    }

    private async Task<FileOutcome> DeleteAsync(JobFile file, CancellationToken cancellationToken)
    {
        try
        {
            await store.DeleteAsync(_options.MediaBucket, file.Key, cancellationToken);
            return new FileOutcome(file.Path, file.Key, FileStatus.Deleted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new FileOutcome(file.Path, file.Key, FileStatus.Failed, Reason: e.Message);
        }
    }
}
