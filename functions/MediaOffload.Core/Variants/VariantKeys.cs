namespace MediaOffload.Core.Variants;

/// <summary>
/// Which object keys get a WebP variant, and where it goes. Pure string rules: the S3 handler calls
/// <see cref="TryGetSourceKind"/> on every created object and ignores keys that return false.
/// </summary>
public static class VariantKeys
{
    /// <summary>Suffix appended to the source key: <c>photo.jpg</c> becomes <c>photo.jpg.webp</c>.</summary>
    public const string VariantSuffix = ".webp";

    /// <summary>
    /// True when <paramref name="key"/> ends in <c>.jpg</c>, <c>.jpeg</c>, <c>.png</c> or <c>.gif</c> (any case)
    /// on a non-empty file name. <c>.webp</c> keys, our own variants included, are never sources, so writing a
    /// variant cannot trigger another one.
    /// </summary>
    public static bool TryGetSourceKind(string? key, out SourceImageKind kind)
    {
        kind = default;
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var slash = key.LastIndexOf('/');
        var name = key.AsSpan(slash + 1);
        var dot = name.LastIndexOf('.');

        // A dot at position 0 is a hidden-file name such as ".png", not a file with an extension.
        if (dot <= 0)
        {
            return false;
        }

        var extension = name[(dot + 1)..];
        if (extension.Equals("jpg", StringComparison.OrdinalIgnoreCase)
            || extension.Equals("jpeg", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Jpeg;
            return true;
        }

        if (extension.Equals("png", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Png;
            return true;
        }

        if (extension.Equals("gif", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Gif;
            return true;
        }

        return false;
    }

    /// <summary>True when <paramref name="key"/> should get a variant; see <see cref="TryGetSourceKind"/>.</summary>
    public static bool IsSource(string? key) => TryGetSourceKind(key, out _);

    /// <summary>
    /// The variant key of a source key: <c>&lt;key&gt;.webp</c>, keeping the original case and extension so two
    /// sources (<c>a.jpg</c>, <c>a.png</c>) never share a variant.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not a source key.</exception>
    public static string VariantKeyFor(string sourceKey)
    {
        if (!IsSource(sourceKey))
        {
            throw new ArgumentException($"'{sourceKey}' is not a .jpg/.jpeg/.png/.gif key.", nameof(sourceKey));
        }

        return sourceKey + VariantSuffix;
    }
}
