using System.Globalization;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Media;

/// <summary>
/// The one place that says what headers and metadata an object must carry (docs/decisions.md, "Object headers").
/// Every writer composes them here (the offload worker, the variant writer, the CLI), and every check compares against
/// them here (the planner, <c>verify</c>), so a writer and an audit can never disagree.
/// </summary>
public static class ObjectHeaderRules
{
    /// <summary>The format of <c>source-modified</c>.</summary>
    public const string ModifiedFormat = "yyyy-MM-ddTHH:mm:ssZ";

    /// <summary>
    /// An original: its type's Content-Type and Cache-Control, <c>source-md5</c>, <c>source-modified</c> (empty when
    /// unknown), <c>cache-policy</c>, and its owner when known (docs/keys.md).
    /// </summary>
    public static ObjectHeaders ForOriginal(MediaType type, CachePolicy policy, string md5, DateTimeOffset? modified, KeyOwner? owner)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MediaMetadata.SourceMd5] = md5.ToLowerInvariant(),
            [MediaMetadata.SourceModified] = modified is { } m && m != DateTimeOffset.MinValue
                ? m.ToUniversalTime().ToString(ModifiedFormat, CultureInfo.InvariantCulture)
                : string.Empty,
            [MediaMetadata.CachePolicy] = policy.Version,
        };
        owner?.WriteTo(metadata);
        return new ObjectHeaders(type.ContentType, policy.For(type), metadata);
    }

    /// <summary>The headers a source file's object must carry.</summary>
    public static ObjectHeaders ForSource(MediaType type, CachePolicy policy, SourceEntry source) =>
        ForOriginal(type, policy, source.Md5 ?? string.Empty, source.Modified, source.Owner);

    /// <summary>
    /// A variant: the Content-Type of what it holds (WebP, or the source's bytes), the Cache-Control of its source's
    /// type (browsers fetch it at the source's URL, so its caching follows the source's), <c>source-etag</c>
    /// (normalised), <c>cache-policy</c>, and the encoder's metadata.
    /// </summary>
    public static ObjectHeaders ForVariant(VariantOutcome outcome, MediaType sourceType, string sourceETag, CachePolicy policy)
    {
        var metadata = new Dictionary<string, string>(outcome.Metadata, StringComparer.Ordinal)
        {
            [VariantMetadata.SourceETag] = ETags.Normalize(sourceETag),
            [MediaMetadata.CachePolicy] = policy.Version,
        };
        return new ObjectHeaders(outcome.ContentType!, policy.For(sourceType), metadata);
    }

    /// <summary>
    /// Why an original's <paramref name="actual"/> headers differ from <paramref name="expected"/>, or null. Compared:
    /// Content-Type, Cache-Control, cache-policy, source-md5, and the owner where both sides record one (an object from
    /// before owners were recorded is adopted by its next write). <c>source-modified</c> is not compared: touching a
    /// file must not rewrite its object.
    /// </summary>
    public static string? OriginalDifference(ObjectHeaders expected, ObjectHeaders actual)
    {
        if (!string.Equals(actual.ContentType, expected.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return $"Content-Type is '{actual.ContentType}', want '{expected.ContentType}'";
        }

        if (actual.CacheControl != expected.CacheControl)
        {
            return $"Cache-Control is '{actual.CacheControl ?? "(none)"}', want '{expected.CacheControl}'";
        }

        if (PolicyDifference(actual, expected.Meta(MediaMetadata.CachePolicy)) is { } policy)
        {
            return policy;
        }

        var md5 = actual.Meta(MediaMetadata.SourceMd5);
        if (!string.Equals(md5, expected.Meta(MediaMetadata.SourceMd5), StringComparison.OrdinalIgnoreCase))
        {
            return md5 is null ? "no source-md5 metadata" : "source-md5 metadata differs";
        }

        return KeyOwner.Of(expected).WriteConflict(KeyOwner.Of(actual)) is { } conflict ? $"owner differs: {conflict}" : null;
    }

    /// <summary>
    /// Why the headers of a <paramref name="target"/> variant of a <paramref name="sourceType"/> file are not what it
    /// carries under <paramref name="policy"/>, or null: a Content-Type the key may hold (its own format, the source's,
    /// and for the AVIF key also WebP: docs/keys.md, "Variants"), Cache-Control of the source's type, the current
    /// cache-policy, and a recorded source ETag.
    /// </summary>
    public static string? VariantDifference(ObjectHeaders actual, VariantTarget target, MediaType sourceType, CachePolicy policy)
    {
        var allowed = target == VariantTarget.Avif
            ? new[] { target.ContentType(), SourceImageKinds.WebPContentType, sourceType.ContentType }
            : [target.ContentType(), sourceType.ContentType];
        if (!allowed.Contains(actual.ContentType, StringComparer.OrdinalIgnoreCase))
        {
            return $"variant Content-Type is '{actual.ContentType}', want {string.Join(" or ", allowed)}";
        }

        if (actual.CacheControl != policy.For(sourceType))
        {
            return $"variant Cache-Control is '{actual.CacheControl ?? "(none)"}', want '{policy.For(sourceType)}'";
        }

        return PolicyDifference(actual, policy.Version)
            ?? (VariantMetadata.IsVariant(actual) ? null : "variant records no source ETag");
    }

    /// <summary>A variant's headers with only what <see cref="VariantDifference"/> checks put right, for a copy in place.</summary>
    public static ObjectHeaders FixedVariant(ObjectHeaders actual, MediaType sourceType, CachePolicy policy) =>
        actual with
        {
            CacheControl = policy.For(sourceType),
            Metadata = new Dictionary<string, string>(actual.Metadata, StringComparer.Ordinal) { [MediaMetadata.CachePolicy] = policy.Version },
        };

    private static string? PolicyDifference(ObjectHeaders actual, string? wanted)
    {
        var policy = actual.Meta(MediaMetadata.CachePolicy);
        return policy == wanted ? null
            : policy is null ? "no cache-policy metadata"
            : $"cache-policy {policy} is stale, want {wanted}";
    }
}
