namespace MediaOffload.Core.Jobs;

/// <summary>The values of <see cref="JobFileStatus.Status"/> (docs/status.md).</summary>
public static class FileStates
{
    public const string Pending = "pending";
    public const string Uploaded = "uploaded";
    public const string Unchanged = "unchanged";
    public const string Deleted = "deleted";
    public const string Failed = "failed";
    public const string Refused = "refused";
}

/// <summary>The values of <see cref="VariantStatus.Status"/> (docs/status.md).</summary>
public static class VariantStates
{
    public const string Made = "made";
    public const string Pending = "pending";
    public const string Failed = "failed";
    public const string None = "none";
}

/// <summary>The values of <see cref="JobStatus.State"/> (docs/status.md).</summary>
public static class JobStates
{
    public const string Pending = "pending";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>One variant key of a file, as the bucket holds it now.</summary>
/// <param name="Format"><c>avif</c> or <c>webp</c>: which key.</param>
/// <param name="Holds">What the key holds when made: <c>avif</c>, <c>webp</c> or <c>original</c>; null otherwise.</param>
public sealed record VariantStatus(string Format, string Key, string Status, string? Holds = null, long? Bytes = null, string? Reason = null);

/// <summary>One file of a job and what became of it.</summary>
/// <param name="Verified">The object was checked against the event's size and MD5 when written, or found holding them.</param>
/// <param name="Retryable">Sending the event again can help; only ever true for <see cref="FileStates.Failed"/>.</param>
public sealed record JobFileStatus(
    string Path,
    string Key,
    string Status,
    long? Bytes,
    string? Md5,
    bool Verified,
    string? Reason,
    bool Retryable,
    IReadOnlyList<VariantStatus> Variants);

/// <summary>How many files and variants are in each state.</summary>
public sealed record JobStatusCounts(int Files, int Offloaded, int Pending, int Failed, int Refused, int Avif, int Webp, int VariantsPending, int VariantsFailed);

/// <summary>The answer of <c>GET /v1/jobs/{jobId}</c> (docs/status.md).</summary>
public sealed record JobStatus(
    string JobId,
    string Type,
    string Site,
    long AttachmentId,
    string State,
    bool Retryable,
    DateTimeOffset? FinishedAt,
    JobStatusCounts Counts,
    IReadOnlyList<JobFileStatus> Files)
{
    /// <summary>
    /// The job's state from its files: pending while anything is pending; else failed when any file failed or was
    /// refused or any variant failed; else done. Retryable only when failed and every failure is retryable.
    /// </summary>
    public static JobStatus Of(OffloadJob job, DateTimeOffset? finishedAt, IReadOnlyList<JobFileStatus> files)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(files);
        var variants = files.SelectMany(f => f.Variants).ToList();
        var counts = new JobStatusCounts(
            Files: files.Count,
            Offloaded: files.Count(f => f.Status is FileStates.Uploaded or FileStates.Unchanged or FileStates.Deleted),
            Pending: files.Count(f => f.Status == FileStates.Pending),
            Failed: files.Count(f => f.Status == FileStates.Failed),
            Refused: files.Count(f => f.Status == FileStates.Refused),
            Avif: variants.Count(v => v is { Format: "avif", Status: VariantStates.Made }),
            Webp: variants.Count(v => v is { Format: "webp", Status: VariantStates.Made }),
            VariantsPending: variants.Count(v => v.Status == VariantStates.Pending),
            VariantsFailed: variants.Count(v => v.Status == VariantStates.Failed));
        var state = counts.Pending + counts.VariantsPending > 0 ? JobStates.Pending
            : counts.Failed + counts.Refused + counts.VariantsFailed > 0 ? JobStates.Failed
            : JobStates.Done;
        // A failed variant is the image's own (rejected) and a refusal is another owner's key: neither heals by itself.
        var retryable = state == JobStates.Failed && counts.Refused == 0 && counts.VariantsFailed == 0
            && files.Where(f => f.Status == FileStates.Failed).All(f => f.Retryable);
        return new JobStatus(job.JobId, job.Type, job.Site, job.AttachmentId, state, retryable, finishedAt, counts, files);
    }
}
