using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Reconcile;

/// <summary>S3 ETag helpers.</summary>
public static class ETags
{
    /// <summary>The ETag without quotes, lower case.</summary>
    public static string Normalize(string? etag) => (etag ?? string.Empty).Trim().Trim('"').ToLowerInvariant();

    /// <summary>True for a multipart ETag (<c>"&lt;hex&gt;-N"</c>), which is not the MD5 of the content.</summary>
    public static bool IsMultipart(string? etag) => Normalize(etag).Contains('-');

    /// <summary>True when the ETags name the same version, ignoring quotes and case.</summary>
    public static bool Same(string? a, string? b) => Normalize(a) == Normalize(b);

    /// <summary>
    /// The MD5 of an object's content as far as S3 vouches for it: a single-part ETag is the MD5; a multipart ETag is
    /// not, and only the <c>source-md5</c> the uploader recorded can stand in (null when it recorded none, or when the
    /// object was only listed, so its metadata is unknown).
    /// </summary>
    public static string? ContentMd5(StoredObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return IsMultipart(obj.ETag) ? obj.Meta(MediaMetadata.SourceMd5)?.ToLowerInvariant() : Normalize(obj.ETag);
    }
}
