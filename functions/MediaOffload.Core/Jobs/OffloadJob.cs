using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Json;
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
public sealed record OffloadJob(string JobId, string Type, string Site, long AttachmentId, IReadOnlyList<JobFile> Files, bool FromManifest = false)
{
    /// <summary>The control-bucket prefix the offload worker is notified for.</summary>
    public const string KeyPrefix = "jobs/";

    /// <summary>True for <c>attachment.deleted</c>: the files are removed rather than fetched.</summary>
    [JsonIgnore]
    public bool IsDelete => Type == Events.MediaEventTypes.Deleted;

    /// <summary>The control-bucket key of a job.</summary>
    public static string KeyFor(string jobId) => $"{KeyPrefix}{jobId}.json";

    /// <summary>The job object's bytes, as stored under <see cref="KeyFor"/>.</summary>
    public static byte[] ToJson(OffloadJob job) => JsonSerializer.SerializeToUtf8Bytes(job, CoreJsonContext.Default.OffloadJob);

    /// <summary>Reads a job object; throws <see cref="JsonException"/> when it is not one.</summary>
    public static OffloadJob? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CoreJsonContext.Default.OffloadJob);

    /// <summary>Reads a job object from a stream; throws <see cref="JsonException"/> when it is not one.</summary>
    public static ValueTask<OffloadJob?> FromJsonAsync(Stream json, CancellationToken cancellationToken) =>
        JsonSerializer.DeserializeAsync(json, CoreJsonContext.Default.OffloadJob, cancellationToken);
}

/// <summary>
/// One file of a job with everything the worker needs decided up front: key, the headers to write (from
/// <see cref="Media.ObjectHeaderRules"/>) and the values to verify. For deletes only <see cref="Path"/>,
/// <see cref="Key"/> and <see cref="Owner"/> are set.
/// </summary>
/// <param name="Headers">What the object must carry once written; null for deletes.</param>
/// <param name="Owner">Who the key belongs to once written (docs/keys.md); for deletes, who asks for the delete.</param>
public sealed record JobFile(
    string Path,
    string Key,
    string? Url,
    long? Size,
    string? Md5,
    ObjectHeaders? Headers,
    KeyOwner? Owner = null);
