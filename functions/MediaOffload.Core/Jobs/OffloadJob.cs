using System.Text.Json.Serialization;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Jobs;

/// <summary>
/// A validated event as stored in the control bucket under <c>jobs/{JobId}.json</c>. Its content depends only on
/// the event, so a repeated event writes the same object.
/// </summary>
/// <param name="FromManifest">
/// Written by reconcile from the plugin's manifest, which is the record of who owns each key: its files may replace
/// an object recorded for another owner (docs/keys.md). False for events. Default false.
/// </param>
public sealed record OffloadJob(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("attachmentId")] long AttachmentId,
    [property: JsonPropertyName("files")] IReadOnlyList<JobFile> Files,
    [property: JsonPropertyName("fromManifest")] bool FromManifest = false)
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
/// One file of a job with everything the worker needs decided up front: key, the headers to write (from
/// <see cref="Media.ObjectHeaderRules"/>) and the values to verify. For deletes only <see cref="Path"/>,
/// <see cref="Key"/> and <see cref="Owner"/> are set.
/// </summary>
/// <param name="Headers">What the object must carry once written; null for deletes.</param>
/// <param name="Owner">Who the key belongs to once written (docs/keys.md); for deletes, who asks for the delete.</param>
public sealed record JobFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("md5")] string? Md5,
    [property: JsonPropertyName("headers")] ObjectHeaders? Headers,
    [property: JsonPropertyName("owner")] KeyOwner? Owner = null);
