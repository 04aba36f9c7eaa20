using System.Text.Json.Serialization;

namespace MediaOffload.Core.Jobs;

/// <summary>
/// A validated event as stored in the control bucket under <c>jobs/{JobId}.json</c>. Its content depends only on
/// the event, so a repeated event writes the same object.
/// </summary>
public sealed record OffloadJob(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("attachmentId")] long AttachmentId,
    [property: JsonPropertyName("files")] IReadOnlyList<JobFile> Files)
{
    /// <summary>The control-bucket prefix the offload worker is notified for.</summary>
    public const string KeyPrefix = "jobs/";

    /// <summary>True for <c>attachment.deleted</c>: the files are removed rather than fetched.</summary>
    [JsonIgnore]
    public bool IsDelete => Type == Events.MediaEventTypes.Deleted;

    /// <summary>The control-bucket key of a job.</summary>
    public static string KeyFor(string jobId) => $"{KeyPrefix}{jobId}.json";
}

/// <summary>
/// One file of a job with everything the worker needs decided up front: key, headers and the values to verify.
/// For deletes only <see cref="Path"/> and <see cref="Key"/> are set.
/// </summary>
public sealed record JobFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("md5")] string? Md5,
    [property: JsonPropertyName("contentType")] string? ContentType,
    [property: JsonPropertyName("cacheControl")] string? CacheControl,
    [property: JsonPropertyName("cachePolicy")] string? CachePolicy,
    [property: JsonPropertyName("modified")] DateTimeOffset? Modified);
