namespace MediaOffload.Core.Reconcile;

/// <summary>
/// User metadata a variant carries besides <see cref="Variants.VariantDecision.FormatKey"/> and friends.
/// </summary>
/// <remarks>
/// DESIGN §5 says a variant records its source's ETag, but Core had no name for it yet; this is that name, and
/// the variant generator should write it too (see docs/reconcile.md).
/// </remarks>
public static class VariantMetadata
{
    /// <summary><c>x-amz-meta-source-etag</c>: the source object's ETag, without quotes, when the variant was made.</summary>
    public const string SourceETag = "source-etag";
}
