using System.Text.Json.Serialization;

namespace MediaOffload.Api.Offload;

/// <summary>What happened to one file of a job.</summary>
public sealed record FileOutcome(string Path, string Key, FileStatus Status, long Bytes = 0, string? Reason = null)
{
    [JsonIgnore]
    public bool Failed => Status == FileStatus.Failed;
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
