namespace MediaOffload.Core.Variants;

/// <summary>
/// Which object keys get variants, and where they go (docs/keys.md, "Variants"). Pure string rules: the S3 handler
/// calls <see cref="TryGetSourceKind"/> on every created object and ignores keys that return false.
/// </summary>
public static class VariantKeys
{
    /// <summary>
    /// True when <paramref name="key"/> is a source: a <c>.jpg</c>, <c>.jpeg</c>, <c>.png</c> or <c>.gif</c> name (any
    /// case), or a <c>.avif</c> name that is not itself a variant key (<c>photo.avif</c>, an AVIF original, but not
    /// <c>photo.jpg.avif</c>). <c>.webp</c> keys and our own variants are never sources, so writing a variant cannot
    /// trigger another one.
    /// </summary>
    public static bool TryGetSourceKind(string? key, out SourceImageKind kind)
    {
        if (!TryGetImageKind(key, out kind))
        {
            return false;
        }

        // photo.jpg.avif is the AVIF variant of photo.jpg, not an AVIF original.
        return kind != SourceImageKind.Avif || !TryGetImageKind(key![..^".avif".Length], out var below) || below == SourceImageKind.Avif;
    }

    /// <summary>True when <paramref name="key"/> should get variants; see <see cref="TryGetSourceKind"/>.</summary>
    public static bool IsSource(string? key) => TryGetSourceKind(key, out _);

    /// <summary>
    /// The variant formats a source of <paramref name="kind"/> gets among <paramref name="enabled"/>, in key order
    /// (<c>.avif</c> before <c>.webp</c>). JPEG, PNG and GIF get every enabled format; an AVIF original gets WebP only.
    /// </summary>
    public static IReadOnlyList<VariantTarget> TargetsFor(SourceImageKind kind, IReadOnlySet<VariantTarget> enabled) =>
        kind == SourceImageKind.Avif
            ? enabled.Contains(VariantTarget.WebP) ? [VariantTarget.WebP] : []
            : [.. InKeyOrder.Where(enabled.Contains)];

    /// <summary>The variant keys of <paramref name="sourceKey"/> among <paramref name="enabled"/>, in key order; empty for a non-source.</summary>
    public static IEnumerable<(string Key, VariantTarget Target)> VariantsOf(string sourceKey, IReadOnlySet<VariantTarget> enabled) =>
        TryGetSourceKind(sourceKey, out var kind)
            ? TargetsFor(kind, enabled).Select(t => (sourceKey + t.Suffix(), t))
            : [];

    /// <summary>
    /// The source key and format of a variant key (<c>photo.jpg.avif</c>, <c>photo.jpg.webp</c>, <c>photo.avif.webp</c>),
    /// or false when <paramref name="key"/> is not one. Exact case: a variant keeps its source's name as it is.
    /// </summary>
    public static bool TryParseVariant(string? key, out string sourceKey, out VariantTarget target) =>
        TryMatchVariant(key, StringComparison.Ordinal, out sourceKey, out target);

    /// <summary>The source key a variant key belongs to, or null when <paramref name="key"/> is not one (<see cref="TryParseVariant"/>).</summary>
    public static string? SourceKeyOf(string key) => TryParseVariant(key, out var source, out _) ? source : null;

    /// <summary>
    /// True when the last segment of <paramref name="pathOrKey"/> has the shape of a variant key in any case
    /// (<c>victim.jpg.webp</c>, <c>a.PNG.AVIF</c>, <c>b.avif.webp</c>). Such names are reserved for variants and refused
    /// as uploads, so no file can replace what browsers get for another image (docs/keys.md).
    /// </summary>
    /// <param name="sourceName">The source the name is reserved for, e.g. <c>victim.jpg</c> for <c>victim.jpg.webp</c>.</param>
    public static bool IsReservedName(string? pathOrKey, out string sourceName)
    {
        var reserved = TryMatchVariant(pathOrKey, StringComparison.OrdinalIgnoreCase, out var source, out _);
        sourceName = reserved ? source[(source.LastIndexOf('/') + 1)..] : string.Empty;
        return reserved;
    }

    /// <summary>
    /// The key of <paramref name="sourceKey"/>'s <paramref name="target"/> variant: <c>&lt;key&gt;.avif</c> or
    /// <c>&lt;key&gt;.webp</c>, keeping the original case and extension so two sources (<c>a.jpg</c>, <c>a.png</c>)
    /// never share a variant.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not a source key, or its kind gets no such variant.</exception>
    public static string VariantKeyFor(string sourceKey, VariantTarget target)
    {
        if (!TryGetSourceKind(sourceKey, out var kind) || !TargetsFor(kind, AllTargets).Contains(target))
        {
            throw new ArgumentException($"'{sourceKey}' gets no {target.Name()} variant: it is not a .jpg/.jpeg/.png/.gif key (or, for WebP only, .avif).", nameof(sourceKey));
        }

        return sourceKey + target.Suffix();
    }

    /// <summary>Every format, for rules that hold whatever is enabled (reserved names, parsing).</summary>
    public static IReadOnlySet<VariantTarget> AllTargets { get; } = new HashSet<VariantTarget> { VariantTarget.Avif, VariantTarget.WebP };

    // ".avif" sorts before ".webp" in UTF-8, so this is also the order the planner meets a source's variants in.
    private static readonly VariantTarget[] InKeyOrder = [VariantTarget.Avif, VariantTarget.WebP];

    // A source key followed by the suffix of a format its kind gets; only the suffix's case is up to comparison.
    private static bool TryMatchVariant(string? key, StringComparison comparison, out string sourceKey, out VariantTarget target)
    {
        foreach (var candidate in InKeyOrder)
        {
            var suffix = candidate.Suffix();
            if (key is not null && key.EndsWith(suffix, comparison)
                && TryGetSourceKind(key[..^suffix.Length], out var kind) && TargetsFor(kind, AllTargets).Contains(candidate))
            {
                sourceKey = key[..^suffix.Length];
                target = candidate;
                return true;
            }
        }

        sourceKey = string.Empty;
        target = default;
        return false;
    }

    private static bool TryGetImageKind(string? key, out SourceImageKind kind)
    {
        kind = default;
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var name = key.AsSpan(key.LastIndexOf('/') + 1);
        var dot = name.LastIndexOf('.');

        // A dot at position 0 is a hidden-file name such as ".png", not a file with an extension.
        if (dot <= 0)
        {
            return false;
        }

        var extension = name[(dot + 1)..];
        if (extension.Equals("jpg", StringComparison.OrdinalIgnoreCase) || extension.Equals("jpeg", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Jpeg;
        }
        else if (extension.Equals("png", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Png;
        }
        else if (extension.Equals("gif", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Gif;
        }
        else if (extension.Equals("avif", StringComparison.OrdinalIgnoreCase))
        {
            kind = SourceImageKind.Avif;
        }
        else
        {
            return false;
        }

        return true;
    }
}
