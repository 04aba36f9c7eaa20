using System.Text.Json.Serialization;

namespace MediaOffload.Core.Storage;

/// <summary>
/// The object storage the service writes to. S3 in production and the local emulator in tests; Core only knows
/// this port, so it stays free of the AWS SDK.
/// </summary>
public interface IObjectStore
{
    /// <summary>The object's headers and metadata, or null when there is no such object.</summary>
    Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Streams <paramref name="content"/> into the object named by <paramref name="write"/>, in parts when it is large. The object becomes
    /// visible only after <see cref="ObjectWrite.BeforeCommit"/> has passed; any failure leaves no object and no
    /// dangling multipart upload.
    /// </summary>
    Task<StoredObject> PutAsync(ObjectWrite write, Stream content, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading, or returns null when there is no such object.</summary>
    Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Every object under a prefix in key order; pages are fetched as the caller reads. <paramref name="listing"/> can
    /// start after a key (a resumed run) and cut the key space into ranges listed at once (large buckets).
    /// </summary>
    IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, Listing? listing, CancellationToken cancellationToken);

    /// <summary>
    /// Rewrites headers and metadata in place with a server-side copy, without re-uploading the bytes. With
    /// <paramref name="ifMatch"/>, only while the object still has that ETag (headers composed for other bytes would
    /// be wrong for these); otherwise <see cref="PreconditionFailedException"/>.
    /// </summary>
    Task<StoredObject> ReplaceHeadersAsync(ObjectHeaders headers, string bucket, string key, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes an object; deleting a missing object succeeds. With <paramref name="ifMatch"/>, only while the object
    /// still has that ETag; otherwise <see cref="PreconditionFailedException"/>.
    /// </summary>
    Task DeleteAsync(string bucket, string key, string? ifMatch, CancellationToken cancellationToken);
}

/// <summary>How to list: after a key, and in ranges at once.</summary>
/// <param name="StartAfter">List only keys after this one. Default null (from the start).</param>
/// <param name="Boundaries">
/// Keys that cut the listing into ranges <c>(b[i], b[i+1]]</c>, listed concurrently and read back in order. A
/// listing returns at most 1,000 keys per request, so one cursor over a large bucket is bound by round trips.
/// Default none.
/// </param>
/// <param name="Parallelism">Ranges listed at once. Default 1.</param>
public sealed record Listing(string? StartAfter = null, IReadOnlyList<string>? Boundaries = null, int Parallelism = 1);

/// <summary>Headers and user metadata of an object (metadata keys without the <c>x-amz-meta-</c> prefix).</summary>
// PascalCase on purpose: job objects (JobFile.Headers) have always carried these names, and jobs written by the
// previous version must still read (names are matched case-sensitively).
public sealed record ObjectHeaders(
    [property: JsonPropertyName("ContentType")] string ContentType,
    [property: JsonPropertyName("CacheControl")] string? CacheControl,
    [property: JsonPropertyName("Metadata")] IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>A user-metadata value, or null. Names compare case-insensitively, as S3 lower-cases them.</summary>
    public string? Meta(string name)
    {
        if (Metadata.TryGetValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (key, value) in Metadata)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}

/// <summary>What to write, and a last check that runs after every byte was read and before the object is committed.</summary>
/// <param name="BeforeCommit">Throws to abandon the write, e.g. when the length or MD5 differs from what was declared.</param>
/// <param name="ContentMd5">
/// Hex MD5 of the whole content when known in advance; sent so S3 verifies it too, and compared with the ETag that a
/// single-part PUT returns, so a server that ignores <c>Content-MD5</c> cannot keep other bytes silently.
/// </param>
/// <param name="Condition">Commit only if the object is still as last seen; otherwise <see cref="PreconditionFailedException"/>.</param>
public sealed record ObjectWrite(
    string Bucket,
    string Key,
    ObjectHeaders Headers,
    Action? BeforeCommit = null,
    string? ContentMd5 = null,
    WriteCondition? Condition = null);

/// <summary>A conditional write: <c>If-None-Match: *</c> (no object yet) or <c>If-Match</c> with an ETag.</summary>
/// <param name="IfMatch">The ETag the object must still have; null for <see cref="IfAbsent"/>.</param>
public sealed record WriteCondition(string? IfMatch)
{
    /// <summary>Only if there is no object at the key.</summary>
    public static WriteCondition IfAbsent { get; } = new((string?)null);

    /// <summary>Only if there is no object (when <paramref name="existing"/> is null) or it still has the same ETag.</summary>
    public static WriteCondition Unchanged(StoredObject? existing) => existing is null ? IfAbsent : new WriteCondition(existing.ETag);
}

/// <summary>A conditional write or delete found the object other than it was when last seen (HTTP 412).</summary>
public sealed class PreconditionFailedException(string bucket, string key)
    : Exception("the object changed while it was being written or deleted")
{
    public string Bucket { get; } = bucket;

    public string Key { get; } = key;
}

/// <summary>An object as listed or returned by a head request. Headers are null when only listed.</summary>
public sealed record StoredObject(
    string Bucket,
    string Key,
    long Size,
    string ETag,
    DateTimeOffset LastModified,
    ObjectHeaders? Headers = null)
{
    /// <summary>A user-metadata value, or null.</summary>
    public string? Meta(string name) => Headers?.Meta(name);
}

/// <summary>The user-metadata names every media object carries (README, "The contract with WordPress").</summary>
public static class MediaMetadata
{
    public const string SourceMd5 = "source-md5";
    public const string SourceModified = "source-modified";
    public const string CachePolicy = "cache-policy";
}
