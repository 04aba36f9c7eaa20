using System.Text.Json.Serialization;

namespace MediaOffload.Api.Offload;

/// <summary>What happened to one file of a job.</summary>
/// <param name="Permanent">
/// For <see cref="FileStatus.Failed"/>: sending the event again cannot help while the file is unchanged (its content is
/// not what its name says). Default false: a failure is taken to heal (docs/status.md).
/// </param>
public sealed record FileOutcome(string Path, string Key, FileStatus Status, long Bytes = 0, string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Permanent = false)
{
    [JsonIgnore]
    public bool Failed => Status == FileStatus.Failed;
}

/// <summary>
/// What the last run of a job did, file by file: written to <c>outcomes/{jobId}.json</c> in the control bucket after
/// every run, and read by <c>GET /v1/jobs/{jobId}</c> (docs/status.md).
/// </summary>
public sealed record JobOutcome(string JobId, DateTimeOffset FinishedAt, IReadOnlyList<FileOutcome> Files)
{
    /// <summary>The control-bucket prefix of outcomes; expired with <c>jobs/</c>.</summary>
    public const string KeyPrefix = "outcomes/";

    /// <summary>The control-bucket key of a job's outcome.</summary>
    public static string KeyFor(string jobId) => $"{KeyPrefix}{jobId}.json";
}

[JsonConverter(typeof(JsonStringEnumConverter<FileStatus>))]
public enum FileStatus
{
    /// <summary>Fetched from the origin and written.</summary>
    Uploaded,

    /// <summary>The object already held these bytes under the current cache policy; nothing was fetched.</summary>
    Unchanged,

    /// <summary>Removed for an <c>attachment.deleted</c> event.</summary>
    Deleted,

    /// <summary>Not offloaded; the reason says why, and nothing was written. Another attempt may succeed.</summary>
    Failed,

    /// <summary>
    /// Not written or deleted, for good: the key belongs to another attachment or file (docs/keys.md). The reason
    /// names the owner. Retrying cannot change it.
    /// </summary>
    Refused,
}
