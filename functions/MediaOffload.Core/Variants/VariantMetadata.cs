using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Variants;

/// <summary>User metadata that ties a variant object to the source it was made from.</summary>
public static class VariantMetadata
{
    /// <summary>The source object's ETag (without quotes) when the variant was made; a different ETag means stale.</summary>
    public const string SourceETag = "source-etag";

    /// <summary>
    /// Whether an object at a variant key is one of ours: every variant records <see cref="SourceETag"/>. Anything
    /// else there is foreign (another tool's <c>photo.jpg.webp</c>) and is never overwritten, adopted or deleted as a
    /// variant (docs/keys.md).
    /// </summary>
    public static bool IsVariant(ObjectHeaders headers) => !string.IsNullOrEmpty(headers.Meta(SourceETag));
}
