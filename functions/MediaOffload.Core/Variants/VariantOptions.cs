namespace MediaOffload.Core.Variants;

/// <summary>How a lossless-capable source (PNG, GIF) is encoded to WebP.</summary>
public enum WebPMode
{
    /// <summary>
    /// Encode lossless and lossy; keep lossy only when it is at least
    /// <see cref="VariantOptions.AutoLossyMinSavingsPercent"/> smaller than lossless. Costs two encodes.
    /// </summary>
    Auto,

    /// <summary>Always lossless WebP (pixel-exact, alpha kept).</summary>
    Lossless,

    /// <summary>Always lossy WebP at <see cref="VariantOptions.Quality"/> (alpha kept, lossless alpha plane).</summary>
    Lossy,
}

/// <summary>
/// Variant rules (WebP and AVIF) and input limits, bound from configuration section <see cref="SectionName"/>.
/// The limits live here rather than in the imaging options because the S3 handler needs
/// <see cref="MaxInputBytes"/> to cap its download before any decoding starts.
/// </summary>
public sealed class VariantOptions
{
    /// <summary>Configuration section: <c>Offload:Variants</c>.</summary>
    public const string SectionName = "Offload:Variants";

    /// <summary>
    /// Lossy WebP quality, 1-100. Default <c>86</c>, WordPress's own default for WebP output
    /// (<c>WP_Image_Editor::get_default_quality('image/webp')</c>, used by <c>wp_editor_set_quality</c>),
    /// so offloaded variants look like the ones WordPress makes itself. Always used for JPEG sources.
    /// </summary>
    public int Quality { get; set; } = 86;

    /// <summary>
    /// libwebp effort (cwebp's <c>-m</c>), 0 fastest to 6 smallest. Default <c>4</c>, libwebp's and cwebp's default.
    /// </summary>
    public int Effort { get; set; } = 4;

    /// <summary>How PNG sources are encoded. Default <see cref="WebPMode.Auto"/>.</summary>
    public WebPMode PngMode { get; set; } = WebPMode.Auto;

    /// <summary>
    /// How GIF sources (animated or not) are encoded. Default <see cref="WebPMode.Lossless"/>: GIFs are
    /// palette graphics, lossless WebP keeps them exact, and one encode of an animation is costly enough.
    /// </summary>
    public WebPMode GifMode { get; set; } = WebPMode.Lossless;

    /// <summary>
    /// For <see cref="WebPMode.Auto"/>: lossy is chosen only when its output is at least this many percent
    /// smaller than the lossless output (0-100). Default <c>50</c>; see docs/imaging.md for the corpus numbers.
    /// </summary>
    public int AutoLossyMinSavingsPercent { get; set; } = 50;

    /// <summary>Drop EXIF, XMP, IPTC and ICC metadata from the variant. Default <c>true</c>.</summary>
    public bool StripMetadata { get; set; } = true;

    /// <summary>
    /// Largest accepted width x height (x frames for animations), checked from the header before any pixel
    /// is decoded. Default <c>100_000_000</c> (100 MP).
    /// </summary>
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>Largest accepted source size in bytes. Default <c>67_108_864</c> (64 MiB).</summary>
    public long MaxInputBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The variant formats to make, comma-separated, any case: <c>webp</c> alone or with <c>avif</c>. Default
    /// <c>avif,webp</c>. WebP is always made (it is what the AVIF key falls back to), so an operator turns AVIF off
    /// with <c>webp</c>.
    /// </summary>
    public string Formats { get; set; } = "avif,webp";

    /// <summary>
    /// AVIF quality, 1-100 on libvips' heifsave scale (libaom cq-level = (100 - quality) x 63 / 100). Default
    /// <c>65</c>: the lowest quality tested whose butteraugli distance to the source is at least as good as WebP at
    /// <see cref="Quality"/> 86 on most of the benchmark corpus (4 of 6 photos, and on the median), for 48-65 % of the
    /// WebP's bytes (docs/imaging.md, "AVIF quality").
    /// </summary>
    public int AvifQuality { get; set; } = 65;

    /// <summary>
    /// AVIF encoder effort, 0 fastest to 9 smallest (libaom's <c>cpu-used</c> is 9 - effort, so 4 is
    /// <c>avifenc -s 5</c>). Default <c>4</c>, libvips' default; the calibration and the CPU numbers in
    /// docs/imaging.md ("AVIF quality", "Benchmarks") are at this effort.
    /// </summary>
    public int AvifEffort { get; set; } = 4;

    /// <summary>
    /// Largest width x height that gets an AVIF variant; larger images get WebP only, and their AVIF key falls back to
    /// the WebP-or-original choice. Default <c>6_553_600</c> (2560 x 2560): every size WordPress generates, its
    /// <c>-scaled</c> copy included (<c>big_image_size_threshold</c> is 2560), but not the camera original above it,
    /// which pages rarely show and which costs AVIF 4-6 s of CPU per megapixel on one core (docs/imaging.md, "Benchmarks").
    /// </summary>
    public long AvifMaxPixels { get; set; } = 2560L * 2560;

    /// <summary>True when <see cref="Formats"/> names <c>avif</c>.</summary>
    public bool AvifEnabled => ParseFormats(Formats).Contains(VariantTarget.Avif);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a value is outside its range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Quality, 1, nameof(Quality));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Quality, 100, nameof(Quality));
        ArgumentOutOfRangeException.ThrowIfNegative(Effort, nameof(Effort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Effort, 6, nameof(Effort));
        ArgumentOutOfRangeException.ThrowIfNegative(AutoLossyMinSavingsPercent, nameof(AutoLossyMinSavingsPercent));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AutoLossyMinSavingsPercent, 100, nameof(AutoLossyMinSavingsPercent));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPixels, nameof(MaxPixels));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxInputBytes, nameof(MaxInputBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(AvifQuality, 1, nameof(AvifQuality));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AvifQuality, 100, nameof(AvifQuality));
        ArgumentOutOfRangeException.ThrowIfNegative(AvifEffort, nameof(AvifEffort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AvifEffort, 9, nameof(AvifEffort));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(AvifMaxPixels, nameof(AvifMaxPixels));
        if (!ParseFormats(Formats).Contains(VariantTarget.WebP))
        {
            throw new ArgumentException("must name webp (WebP is always made); use 'webp' to turn AVIF off", nameof(Formats));
        }
        if (!Enum.IsDefined(PngMode))
        {
            throw new ArgumentOutOfRangeException(nameof(PngMode), PngMode, null);
        }

        if (!Enum.IsDefined(GifMode))
        {
            throw new ArgumentOutOfRangeException(nameof(GifMode), GifMode, null);
        }
    }

    /// <summary>The targets <paramref name="formats"/> names (see <see cref="Formats"/>).</summary>
    /// <exception cref="ArgumentException">A name other than <c>webp</c> or <c>avif</c>.</exception>
    public static IReadOnlySet<VariantTarget> ParseFormats(string? formats)
    {
        var targets = new HashSet<VariantTarget>();
        foreach (var name in (formats ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            targets.Add(name.ToLowerInvariant() switch
            {
                "webp" => VariantTarget.WebP,
                "avif" => VariantTarget.Avif,
                _ => throw new ArgumentException($"'{name}' is not a variant format; use webp and avif", nameof(Formats)),
            });
        }

        return targets;
    }
}
