using System.Collections.Concurrent;
using MediaOffload.Api.Configuration;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Storage;
using MediaOffload.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Offload;

/// <summary>
/// Runs one job: every file on its own, so one bad file never fails the others, and every file gets an outcome
/// before the invocation's deadline, the ones that could not finish included.
/// </summary>
public sealed class OffloadWorker(FileOffloader offloader, IObjectStore store, IOptions<OffloadOptions> options, TimeProvider clock, ILogger<OffloadWorker> logger)
{
    private readonly OffloadOptions _options = options.Value;

    /// <summary>Runs <paramref name="job"/>, stopping transfers <see cref="OffloadOptions.OutcomeMargin"/> before <paramref name="deadline"/>.</summary>
    public async Task<IReadOnlyList<FileOutcome>> RunAsync(OffloadJob job, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var remaining = deadline - _options.OutcomeMargin - clock.GetUtcNow();
        stop.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);

        var outcomes = new ConcurrentBag<FileOutcome>();
        await Parallel.ForEachAsync(
            job.Files,
            new ParallelOptions { MaxDegreeOfParallelism = _options.FileConcurrency, CancellationToken = cancellationToken },
            async (file, _) =>
            {
                try
                {
                    stop.Token.ThrowIfCancellationRequested();
                    outcomes.Add(job.IsDelete ? await DeleteAsync(file, stop.Token) : await offloader.OffloadAsync(file, job.FromManifest, stop.Token));
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    outcomes.Add(new FileOutcome(file.Path, file.Key, FileStatus.Failed,
                        Reason: "not finished before the invocation's deadline; the job is retried"));
                }
            });

        var ordered = outcomes.OrderBy(o => o.Path, StringComparer.Ordinal).ToArray();
        foreach (var failure in ordered.Where(o => o.Status is FileStatus.Failed or FileStatus.Refused))
        {
            logger.LogWarning("Job {JobId}: {Key} {Status}: {Reason}", job.JobId, failure.Key, failure.Status, failure.Reason);
        }

        logger.LogInformation(
            "Job {JobId} ({Type}, attachment {AttachmentId}): {Uploaded} uploaded, {Unchanged} unchanged, {Deleted} deleted, {Refused} refused, {Failed} failed",
            job.JobId, job.Type, job.AttachmentId,
            ordered.Count(o => o.Status == FileStatus.Uploaded), ordered.Count(o => o.Status == FileStatus.Unchanged),
            ordered.Count(o => o.Status == FileStatus.Deleted), ordered.Count(o => o.Status == FileStatus.Refused), ordered.Count(o => o.Failed));
        return ordered;
    }

    /// <summary>Deletes a file's object, unless it belongs to another attachment (docs/keys.md).</summary>
    private async Task<FileOutcome> DeleteAsync(JobFile file, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await store.HeadAsync(_options.MediaBucket, file.Key, cancellationToken);
            if (existing is null)
            {
                return new FileOutcome(file.Path, file.Key, FileStatus.Deleted);
            }

            if (existing.Headers is { } headers && file.Owner?.DeleteConflict(KeyOwner.Of(headers)) is { } conflict)
            {
                return new FileOutcome(file.Path, file.Key, FileStatus.Refused, Reason: $"not deleted: {conflict} (docs/keys.md)");
            }

            // Only the object that was checked: if another writer replaced it meanwhile, it is not this one to delete.
            await store.DeleteAsync(_options.MediaBucket, file.Key, existing.ETag, cancellationToken);
            return new FileOutcome(file.Path, file.Key, FileStatus.Deleted);
        }
        catch (PreconditionFailedException)
        {
            return new FileOutcome(file.Path, file.Key, FileStatus.Failed, Reason: "the object changed while it was being deleted; the job is retried");
        }
        catch (ObjectStoreException e)
        {
            logger.LogError(e, "Deleting {Key} failed", file.Key);
            return new FileOutcome(file.Path, file.Key, FileStatus.Failed, Reason: e.SafeText);
        }
    }
}
