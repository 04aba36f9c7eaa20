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
        var isVariant = obj.Key.EndsWith(VariantKeys.VariantSuffix, StringComparison.Ordinal)
            && VariantKeys.IsSource(obj.Key[..^VariantKeys.VariantSuffix.Length]);
        var key = isVariant ? obj.Key[..^VariantKeys.VariantSuffix.Length] : obj.Key;
        var dot = key.LastIndexOf('.');
        var type = dot > key.LastIndexOf('/') + 1 ? MediaTypes.ForExtension(key[(dot + 1)..]) : null;
        if (type is null)
        {
            return "type may not be offloaded";
        }

        if (isVariant)
        {
            if (headers.ContentType != SourceImageKinds.WebPContentType && !string.Equals(headers.ContentType, type.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return $"variant Content-Type is '{headers.ContentType}', want image/webp or {type.ContentType}";
            }

            if (headers.CacheControl != policy.For(type))
            {
                return $"variant Cache-Control is '{headers.CacheControl ?? "(none)"}', want '{policy.For(type)}'";
            }

            return headers.Meta(VariantMetadata.SourceETag) is null ? "variant records no source ETag" : null;
        }

        var md5 = headers.Meta(MediaMetadata.SourceMd5);
        var expected = new ObjectHeaders(type.ContentType, policy.For(type), new Dictionary<string, string>
        {
            [MediaMetadata.SourceMd5] = md5 ?? string.Empty,
            [MediaMetadata.CachePolicy] = policy.Version,
        });
        if (ExpectedHeaders.Difference(expected, headers) is { } difference)
        {
            return difference;
        }

        if (md5 is null || md5.Length == 0)
        {
            return "no source-md5 metadata";
        }

        return !ETags.IsMultipart(obj.ETag) && !ETags.Same(obj.ETag, md5) ? "source-md5 metadata differs from the ETag" : null;
    }
}
