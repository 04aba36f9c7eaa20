using System.Globalization;
using MediaOffload.Core.Variants;
using NetVips;

namespace MediaOffload.Imaging;

/// <summary>
/// <see cref="IVariantEncoder"/> on libvips (NetVips). Thread-safe and stateless after construction: register one
/// instance as a singleton.
/// </summary>
public sealed class LibvipsVariantEncoder : IVariantEncoder
{
    private readonly VariantOptions options;
    private readonly bool avif;
    private readonly Lazy<LibvipsVariantEncoder> withoutAvif;

    /// <summary>
    /// Creates the encoder with a validated snapshot of <paramref name="options"/> and initialises libvips
    /// with default <see cref="ImagingOptions"/> unless <see cref="LibvipsRuntime.EnsureInitialized(ImagingOptions)"/>
    /// ran first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="LibvipsUnavailableException">libvips cannot be loaded.</exception>
    public LibvipsVariantEncoder(VariantOptions options)
        : this(options, options?.AvifEnabled ?? false)
    {
    }

    private LibvipsVariantEncoder(VariantOptions options, bool avif)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = new VariantOptions
        {
            Quality = options.Quality,
            Effort = options.Effort,
            PngMode = options.PngMode,
            GifMode = options.GifMode,
            AutoLossyMinSavingsPercent = options.AutoLossyMinSavingsPercent,
            StripMetadata = options.StripMetadata,
            MaxPixels = options.MaxPixels,
            MaxInputBytes = options.MaxInputBytes,
            Formats = options.Formats,
            AvifQuality = options.AvifQuality,
            AvifEffort = options.AvifEffort,
            AvifMaxPixels = options.AvifMaxPixels,
        };
        this.avif = avif;
        withoutAvif = new(() => avif ? new LibvipsVariantEncoder(this.options, avif: false) : this);
        LibvipsRuntime.EnsureInitialized();
    }

    /// <inheritdoc />
    public IVariantEncoder WithoutAvif() => withoutAvif.Value;

    /// <inheritdoc />
    public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind)
    {
        CheckInput(source.Span, kind, options);

        // The source is read in place: every image made from it is disposed before it is (the using order below).
        using var input = VipsPipeline.Open(source);
        VipsPipeline.CheckLoader(input, kind);
        var image = VipsPipeline.Prepare(input, kind, options);
        try
        {
            var width = image.Width;
            var frames = VipsPipeline.FramesOf(image);
            var height = image.Height / frames;
            var avifSkipped = AvifSkipped(kind, width, height, frames);
            if (avifSkipped is null)
            {
                // One decode for both formats: the pixels are decoded into memory once, and each encoder reads them there.
                // Bounded by AvifMaxPixels (3-4 bytes a pixel), and it replaces the RGB copy webpsave would make anyway.
                image = Replace(image, VipsPipeline.Decode(image));
            }

            EncodedVariant Variant(byte[] bytes, VariantTarget target, string rule) => new(bytes, target, width, height, frames, rule);

            var webp = WebPEncodingRule.ModeFor(kind, options) switch
            {
                WebPMode.Lossy => Variant(VipsPipeline.EncodeWebP(image, WebPEncodingRule.Lossy(options), !options.StripMetadata), VariantTarget.WebP, WebPEncodingRule.Lossy(options).Name),
                WebPMode.Lossless => Variant(VipsPipeline.EncodeWebP(image, WebPEncodingRule.Lossless(options), !options.StripMetadata), VariantTarget.WebP, "lossless"),
                _ => Auto(ref image, input, kind, avifSkipped is null, Variant),
            };

            if (avifSkipped is not null)
            {
                return new EncodedVariants(webp, null, avifSkipped);
            }

            var setting = AvifSetting.From(options);
            return new EncodedVariants(webp, Variant(VipsPipeline.EncodeAvif(image, setting, !options.StripMetadata), VariantTarget.Avif, setting.Name), null);
        }
        finally
        {
            image.Dispose();
        }
    }

    /// <inheritdoc />
    public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind)
    {
        CheckInput(source.Span, kind, options);
        using var input = VipsPipeline.Open(source);
        VipsPipeline.CheckLoader(input, kind);
        var header = VipsPipeline.ReadHeader(input, kind, options);
        var frameHeight = header.Height / header.Frames;
        var image = new EncodeCostModel.Image(
            kind, WebPEncodingRule.ModeFor(kind, options), header.Width, header.Height, header.Frames,
            HasAlpha: header.Bands is 2 or 4, Rotated: header.Orientation > 2,
            Avif: AvifSkipped(kind, header.Width, frameHeight, header.Frames) is null);

        // The source buffer is held for the whole encode, so it counts against the budget too.
        return new EncodeEstimate(header.Width, header.Height, header.Frames, EncodeCostModel.PeakBytes(image) + source.Length);
    }

    /// <summary>The checks that need no decoder: size, emptiness and magic bytes.</summary>
    internal static void CheckInput(ReadOnlySpan<byte> source, SourceImageKind kind, VariantOptions options)
    {
        if (source.IsEmpty)
        {
            throw new ImageRejectedException(ImageRejectionCode.Empty, "the source object is empty (0 bytes)");
        }

        if (source.Length > options.MaxInputBytes)
        {
            throw new ImageRejectedException(
                ImageRejectionCode.InputTooLarge,
                string.Create(CultureInfo.InvariantCulture,
                    $"{source.Length} bytes is over the input limit of {options.MaxInputBytes} bytes"));
        }

        if (!SourceImageKinds.HasSignatureOf(source, kind))
        {
            var actual = SourceImageKinds.Sniff(source);
            var found = actual is null ? $"no image signature (starts with {Describe(source)})" : $"a {actual} signature";
            throw new ImageRejectedException(ImageRejectionCode.FormatMismatch, $"declared {kind} but found {found}");
        }
    }

    /// <summary>Why this image gets no AVIF, or null when it gets one. Orientation does not matter: it swaps the sides only.</summary>
    private string? AvifSkipped(SourceImageKind kind, int width, int frameHeight, int frames)
    {
        if (!avif)
        {
            return options.AvifEnabled ? "AVIF not requested" : "AVIF is off (Formats)";
        }

        if (kind == SourceImageKind.Avif)
        {
            return "the source is AVIF";
        }

        if (frames > 1)
        {
            // WebP only: animated AVIF was not measured worth it (docs/imaging.md, "AVIF").
            return string.Create(CultureInfo.InvariantCulture, $"animated ({frames} frames): WebP only");
        }

        var pixels = (long)width * frameHeight;
        return pixels > options.AvifMaxPixels
            ? string.Create(CultureInfo.InvariantCulture, $"{width}x{frameHeight} is over AvifMaxPixels ({options.AvifMaxPixels})")
            : null;
    }

    /// <summary>
    /// <see cref="WebPMode.Auto"/>: lossless and lossy, keeping lossy only when it saves enough. From memory when the
    /// image is already there; otherwise the source is decoded again for the second pass (sequential access cannot
    /// rewind), which costs decode time but no full-image copy.
    /// </summary>
    private EncodedVariant Auto(ref Image image, Source input, SourceImageKind kind, bool inMemory, Func<byte[], VariantTarget, string, EncodedVariant> variant)
    {
        var lossless = VipsPipeline.EncodeWebP(image, WebPEncodingRule.Lossless(options), !options.StripMetadata);
        if (!inMemory)
        {
            // Dispose first, so the first pass's buffers are gone before the second decode starts.
            image.Dispose();
            image = VipsPipeline.Prepare(input, kind, options);
        }

        var lossySetting = WebPEncodingRule.Lossy(options);
        var lossy = VipsPipeline.EncodeWebP(image, lossySetting, !options.StripMetadata);
        return WebPEncodingRule.PreferLossy(lossless.Length, lossy.Length, options)
            ? variant(lossy, VariantTarget.WebP, "auto:" + lossySetting.Name)
            : variant(lossless, VariantTarget.WebP, "auto:lossless");
    }

    private static Image Replace(Image input, Image output)
    {
        input.Dispose();
        return output;
    }

    private static string Describe(ReadOnlySpan<byte> source)
    {
        var head = source[..Math.Min(8, source.Length)];
        return Convert.ToHexString(head);
    }
}
