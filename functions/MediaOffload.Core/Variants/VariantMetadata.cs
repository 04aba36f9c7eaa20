namespace MediaOffload.Core.Variants;

/// <summary>User metadata that ties a variant object to the source it was made from.</summary>
public static class VariantMetadata
{
    /// <summary>The source object's ETag (without quotes) when the variant was made; a different ETag means stale.</summary>
    public const string SourceETag = "source-etag";
}
