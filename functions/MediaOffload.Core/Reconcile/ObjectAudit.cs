using MediaOffload.Core.Media;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Reconcile;

/// <summary>
/// Checks one object's headers without a source listing (the CLI's <c>verify</c>): Content-Type and
/// Cache-Control for its extension, the current cache-policy version, <c>source-md5</c> (equal to a single-part
/// ETag) and, for variants, a recorded source ETag.
/// </summary>
public static class ObjectAudit
{
    /// <summary>Null when the headers are right, else what is wrong. The object must carry <see cref="StoredObject.Headers"/>.</summary>
    public static string? Check(StoredObject obj, CachePolicy policy)
    {
        var headers = obj.Headers ?? throw new ArgumentException("The object was not audited (no headers).", nameof(obj));
        var sourceKey = VariantKeys.TryParseVariant(obj.Key, out var variantOf, out var target) ? variantOf : null;
        if (sourceKey is not null && !VariantMetadata.IsVariant(headers))
        {
            // Another tool's file where a variant belongs (docs/keys.md): reported, and left for the operator.
            return "variant records no source ETag: the object at this variant key is not one of ours";
        }

        var key = sourceKey ?? obj.Key;
        var dot = key.LastIndexOf('.');
        var type = dot > key.LastIndexOf('/') + 1 ? MediaTypes.ForExtension(key[(dot + 1)..]) : null;
        if (type is null)
        {
            return "type may not be offloaded";
        }

        if (sourceKey is not null)
        {
            return ObjectHeaderRules.VariantDifference(headers, target, type, policy);
        }

        // An original, checked against what it records itself: the audit has no source to compare the bytes with.
        var md5 = headers.Meta(MediaMetadata.SourceMd5);
        var expected = ObjectHeaderRules.ForOriginal(type, policy, md5 ?? string.Empty, null, null);
        if (ObjectHeaderRules.OriginalDifference(expected, headers) is { } difference)
        {
            return difference;
        }

        if (md5 is null or { Length: 0 })
        {
            return "no source-md5 metadata";
        }

        return !ETags.IsMultipart(obj.ETag) && !ETags.Same(obj.ETag, md5) ? "source-md5 metadata differs from the ETag" : null;
    }
}
