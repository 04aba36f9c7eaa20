namespace MediaOffload.Core.Variants;

/// <summary>A variant format, each at its own key: <c>&lt;source key&gt;.webp</c> and <c>&lt;source key&gt;.avif</c>.</summary>
public enum VariantTarget
{
    /// <summary>WebP, key suffix <c>.webp</c>, content type <c>image/webp</c>.</summary>
    WebP,

    /// <summary>AVIF, key suffix <c>.avif</c>, content type <c>image/avif</c>.</summary>
    Avif,
}

/// <summary>Key suffixes, content types and option names of <see cref="VariantTarget"/>.</summary>
public static class VariantTargets
{
    /// <summary>The key suffix of <paramref name="target"/>: <c>.webp</c> or <c>.avif</c>.</summary>
    public static string Suffix(this VariantTarget target) => target switch
    {
        VariantTarget.WebP => ".webp",
        VariantTarget.Avif => ".avif",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>The content type of <paramref name="target"/>: <c>image/webp</c> or <c>image/avif</c>.</summary>
    public static string ContentType(this VariantTarget target) => target switch
    {
        VariantTarget.WebP => SourceImageKinds.WebPContentType,
        VariantTarget.Avif => SourceImageKinds.AvifContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>The name used in <see cref="VariantOptions.Formats"/> and in <c>variant-format</c>: <c>webp</c> or <c>avif</c>.</summary>
    public static string Name(this VariantTarget target) => target switch
    {
        VariantTarget.WebP => "webp",
        VariantTarget.Avif => "avif",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };
}
