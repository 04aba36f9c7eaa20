namespace MediaOffload.Core.Variants;

/// <summary>The concrete WebP setting used for one encode.</summary>
/// <param name="Lossless">Lossless WebP when true; lossy at <paramref name="Quality"/> otherwise.</param>
/// <param name="Quality">Lossy quality 1-100 (ignored for lossless).</param>
/// <param name="Effort">libwebp effort 0-6.</param>
public sealed record WebPSetting(bool Lossless, int Quality, int Effort)
{
    /// <summary>Short name recorded in metadata: <c>lossless</c> or <c>lossy-q86</c>.</summary>
    public string Name => Lossless ? "lossless" : $"lossy-q{Quality}";
}

/// <summary>The concrete AVIF setting used for one encode (libvips heifsave, AV1, 8-bit, lossy).</summary>
/// <param name="Quality">Quality 1-100 on libvips' scale.</param>
/// <param name="Effort">libvips effort 0-9 (libaom's cpu-used is 9 − effort).</param>
public sealed record AvifSetting(int Quality, int Effort)
{
    /// <summary>Short name recorded in metadata: <c>avif-q65</c>.</summary>
    public string Name => $"avif-q{Quality}";

    /// <summary>The setting from <paramref name="options"/>.</summary>
    public static AvifSetting From(VariantOptions options) => new(options.AvifQuality, options.AvifEffort);
}

/// <summary>Pure choice of WebP settings per source kind.</summary>
public static class WebPEncodingRule
{
    /// <summary>The mode that applies to <paramref name="kind"/>: JPEG and AVIF originals are always lossy.</summary>
    public static WebPMode ModeFor(SourceImageKind kind, VariantOptions options) => kind switch
    {
        SourceImageKind.Jpeg or SourceImageKind.Avif => WebPMode.Lossy,
        SourceImageKind.Png => options.PngMode,
        SourceImageKind.Gif => options.GifMode,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The lossy setting from <paramref name="options"/>.</summary>
    public static WebPSetting Lossy(VariantOptions options) => new(false, options.Quality, options.Effort);

    /// <summary>The lossless setting from <paramref name="options"/>.</summary>
    public static WebPSetting Lossless(VariantOptions options) => new(true, options.Quality, options.Effort);

    /// <summary>
    /// <see cref="WebPMode.Auto"/>: true when the lossy output is at least
    /// <see cref="VariantOptions.AutoLossyMinSavingsPercent"/> smaller than the lossless one.
    /// </summary>
    public static bool PreferLossy(long losslessBytes, long lossyBytes, VariantOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(losslessBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(lossyBytes);

        // Integer form of lossy <= lossless * (1 - p/100), so the threshold is exact at the boundary.
        return lossyBytes * 100 <= losslessBytes * (100 - options.AutoLossyMinSavingsPercent);
    }
}
