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
    /// The suffixes of every variant format, current and reserved: <c>.webp</c>, and <c>.avif</c>, which is held back
    /// for AVIF variants so no upload can take those keys first.
    /// </summary>
    public static IReadOnlyList<string> ReservedSuffixes { get; } = [VariantSuffix, ".avif"];

    /// <summary>
    /// True when the last segment of <paramref name="pathOrKey"/> has the shape of a variant key: a JPEG, PNG or GIF
    /// name followed by <c>.webp</c> or <c>.avif</c>, in any case (<c>victim.jpg.webp</c>, <c>a.PNG.AVIF</c>). Such
    /// names are reserved for variants and refused as uploads, so no file can replace what browsers get for another
    /// image (docs/keys.md).
    /// </summary>
    /// <param name="sourceName">The source the name is reserved for, e.g. <c>victim.jpg</c> for <c>victim.jpg.webp</c>.</param>
    public static bool IsReservedName(string? pathOrKey, out string sourceName)
    {
        sourceName = string.Empty;
        if (string.IsNullOrEmpty(pathOrKey))
        {
            return false;
        }

        foreach (var suffix in ReservedSuffixes)
        {
            if (pathOrKey.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && IsSource(pathOrKey[..^suffix.Length]))
            {
                sourceName = pathOrKey[(pathOrKey.LastIndexOf('/') + 1)..^suffix.Length];
                return true;
            }
        }

        return false;
    }

    /// <summary>The source key a WebP variant key belongs to, or null when <paramref name="key"/> is not one.</summary>
    public static string? SourceKeyOf(string key) =>
        key.EndsWith(VariantSuffix, StringComparison.Ordinal) && IsSource(key[..^VariantSuffix.Length]) ? key[..^VariantSuffix.Length] : null;

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
