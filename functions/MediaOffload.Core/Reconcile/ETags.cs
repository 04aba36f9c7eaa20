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
}
