using System.Globalization;
using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Reconcile;

/// <summary>
/// The headers and metadata a media object must carry: exactly what the offload worker writes, so the CLI and
/// the worker never fight over an object.
/// </summary>
public static class ExpectedHeaders
{
    /// <summary>The format of <c>source-modified</c>, as the offload worker writes it.</summary>
    public const string ModifiedFormat = "yyyy-MM-ddTHH:mm:ssZ";

    /// <summary>
    /// Content-Type, Cache-Control and <c>source-md5</c>, <c>source-modified</c>, <c>cache-policy</c> for a source
    /// file, and its owner when known (docs/keys.md).
    /// </summary>
    public static ObjectHeaders For(MediaType type, CachePolicy policy, SourceEntry source)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MediaMetadata.SourceMd5] = source.Md5 ?? string.Empty,
            [MediaMetadata.SourceModified] = source.Modified == DateTimeOffset.MinValue
                ? string.Empty
                : source.Modified.ToUniversalTime().ToString(ModifiedFormat, CultureInfo.InvariantCulture),
            [MediaMetadata.CachePolicy] = policy.Version,
        };
        source.Owner?.WriteTo(metadata);
        return new ObjectHeaders(type.ContentType, policy.For(type), metadata);
    }

    /// <summary>
    /// Why <paramref name="actual"/> differs from <paramref name="expected"/>, or null when it does not.
    /// <c>source-modified</c> is not compared: touching a file must not rewrite its object (the worker agrees).
    /// </summary>
    public static string? Difference(ObjectHeaders expected, ObjectHeaders actual)
    {
        if (!string.Equals(actual.ContentType, expected.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return $"Content-Type is '{actual.ContentType}', want '{expected.ContentType}'";
        }

        if (actual.CacheControl != expected.CacheControl)
        {
            return $"Cache-Control is '{actual.CacheControl ?? "(none)"}', want '{expected.CacheControl}'";
        }

        var policy = actual.Meta(MediaMetadata.CachePolicy);
        if (policy != expected.Metadata[MediaMetadata.CachePolicy])
        {
            return policy is null
                ? "no cache-policy metadata"
                : $"cache-policy {policy} is stale, want {expected.Metadata[MediaMetadata.CachePolicy]}";
        }

        var md5 = actual.Meta(MediaMetadata.SourceMd5);
        if (!string.Equals(md5, expected.Metadata[MediaMetadata.SourceMd5], StringComparison.OrdinalIgnoreCase))
        {
            return md5 is null ? "no source-md5 metadata" : "source-md5 metadata differs";
        }

        // An owner is drift only where both sides record one: an object from before owners were recorded is adopted
        // by its next write, not rewritten for it.
        var want = KeyOwner.Of(expected);
        var have = KeyOwner.Of(actual);
        return want.WriteConflict(have) is { } conflict ? $"owner differs: {conflict}" : null;
    }
}
