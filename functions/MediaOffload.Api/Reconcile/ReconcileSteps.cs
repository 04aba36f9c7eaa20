using System.Text;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Variants;
using MediaOffload.Core.Events;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using MediaOffload.Storage;

namespace MediaOffload.Api.Reconcile;

/// <summary>
/// The Reconciler's steps for <see cref="PlanRunner"/>: uploads fan out as job objects (each one offload worker
/// invocation), header fixes are copies in place or lines of an S3 Batch Operations manifest, variants are made here,
/// and orphans are deleted only as they were listed. Thread-safe.
/// </summary>
/// <param name="media">The media bucket's store for this run, counting its requests.</param>
/// <param name="site">The site the manifest came from, which the jobs name.</param>
/// <param name="state">The run's state cache, which remembers images that can never make a variant (docs/reconcile.md, "Exit codes").</param>
internal sealed class ReconcileSteps(IObjectStore media, string mediaBucket, JobStore jobs, VariantWriter variants, SyncState state, string site, int jobBatchSize, bool batchManifest) : IPlanSteps
{
    private readonly object _gate = new();
    private readonly List<(JobFile File, PlanAction Action)> _batch = [];
    private readonly List<ReconcileFailure> _failed = [];
    private readonly StringBuilder _headerManifest = new();

    /// <summary>The S3 Batch Operations CSV of the header fixes, when asked for instead of copies.</summary>
    public string HeaderManifest
    {
        get
        {
            lock (_gate)
            {
                return _headerManifest.ToString();
            }
        }
    }

    public async Task RunAsync(PlanItem item, CancellationToken cancellationToken)
    {
        switch (item.Action)
        {
            case PlanAction.Upload or PlanAction.Replace:
                List<(JobFile, PlanAction)>? full = null;
                lock (_gate)
                {
                    _batch.Add((ToJobFile(item), item.Action));
                    if (_batch.Count >= jobBatchSize)
                    {
                        full = [.. _batch];
                        _batch.Clear();
                    }
                }

                if (full is not null)
                {
                    await WriteJobAsync(full, cancellationToken);
                }

                break;
            case PlanAction.FixHeaders when batchManifest:
                lock (_gate)
                {
                    _headerManifest.Append(BatchOperationsManifest.Line(mediaBucket, item.Key));
                }

                break;
            case PlanAction.FixHeaders:
                StoredObject copied;
                try
                {
                    // Only over the bytes the headers were composed for.
                    copied = await media.ReplaceHeadersAsync(item.Headers!, mediaBucket, item.Key, item.Object?.ETag, cancellationToken);
                }
                catch (PreconditionFailedException e)
                {
                    throw new StepFailedException("the object changed after it was listed; its headers were left for the next run", e);
                }

                state.RecordObject(copied.Key, copied.ETag, copied.LastModified, copied.Headers ?? item.Headers!);
                break;
            case PlanAction.GenerateVariant when item.SourceETag is null:
                // Its source is being uploaded in this run: that upload's own notification makes the variant.
                break;
            case PlanAction.GenerateVariant:
                if (state.RejectionFor(item.Key, item.SourceETag) is { } known)
                {
                    throw new StepFailedException($"known: {known} (the source is unchanged since it was reported)", known: true);
                }

                VariantKeys.TryParseVariant(item.Key, out _, out var target);
                var result = await variants.CreateAsync(item.SourceKey!, target, cancellationToken);
                if (result.Failure is not null)
                {
                    var reason = $"{result.Detail}: {result.Failure}";
                    if (result.RejectedSourceETag is { } rejected)
                    {
                        state.RecordRejection(item.Key, rejected, reason);
                    }

                    throw new StepFailedException(reason, permanent: result.RejectedSourceETag is not null);
                }

                if (result.Written is { } written)
                {
                    // What this run wrote needs no HEAD next time (docs/reconcile.md, "State"); the next listing supplies
                    // the LastModified, which a PUT does not return.
                    state.RecordObject(written.Key, written.ETag, null, written.Headers!);
                }

                break;
            case PlanAction.DeleteOrphan:
                try
                {
                    // Only the object the plan judged an orphan: one rewritten since it was listed is not.
                    await media.DeleteAsync(mediaBucket, item.Key, item.Object?.ETag, cancellationToken);
                }
                catch (PreconditionFailedException e)
                {
                    throw new StepFailedException("the object changed after it was listed; not deleted", e);
                }

                break;
        }
    }

    public async Task<IReadOnlyList<ReconcileFailure>> FlushAsync(CancellationToken cancellationToken)
    {
        List<(JobFile, PlanAction)> rest;
        lock (_gate)
        {
            rest = [.. _batch];
            _batch.Clear();
        }

        if (rest.Count > 0)
        {
            await WriteJobAsync(rest, cancellationToken);
        }

        lock (_gate)
        {
            var failed = _failed.ToList();
            _failed.Clear();
            return failed;
        }
    }

    public bool IsFatal(Exception exception) => S3Errors.IsFatal(exception, out _);

    public string Describe(Exception exception) => exception is StepFailedException ? exception.Message : FailureText.For(exception);

    /// <summary>Writes one job object; its creation invokes an offload worker. A failed write fails its files, not the run.</summary>
    private async Task WriteJobAsync(List<(JobFile File, PlanAction Action)> batch, CancellationToken cancellationToken)
    {
        var files = batch.Select(b => b.File).OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        var job = new OffloadJob(JobIds.For(MediaEventTypes.Updated, site, 0, files), MediaEventTypes.Updated, site, 0, files, FromManifest: true);
        try
        {
            await jobs.SaveAsync(job, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_gate)
            {
                _failed.AddRange(batch.Select(b => new ReconcileFailure(b.File.Key, b.Action.ToString(), $"job {job.JobId} could not be written: {FailureText.For(e)}")));
            }
        }
    }

    /// <summary>
    /// The offload worker's view of an upload: the file's URL as the manifest gave it (its name on disk below the
    /// site's uploads base), the headers the plan composed, and the owner the manifest records (docs/keys.md).
    /// </summary>
    private static JobFile ToJobFile(PlanItem item)
    {
        var source = item.Source!;
        return new JobFile(source.Path, item.Key, source.Url, source.Size, source.Md5, item.Headers, source.Owner);
    }
}
