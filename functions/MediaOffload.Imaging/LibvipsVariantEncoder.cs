using System.Globalization;
using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging;

/// <summary>
/// <see cref="IVariantEncoder"/> on libvips. Thread-safe and stateless after construction: register one
/// instance as a singleton.
/// </summary>
public sealed class LibvipsVariantEncoder : IVariantEncoder
{
    private readonly VariantOptions options;

    /// <summary>
    /// Creates the encoder with a validated snapshot of <paramref name="options"/> and initialises libvips
    /// with default <see cref="ImagingOptions"/> unless <see cref="LibvipsRuntime.EnsureInitialized(ImagingOptions)"/>
    /// ran first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="LibvipsUnavailableException">libvips cannot be loaded.</exception>
    public LibvipsVariantEncoder(VariantOptions options)
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
        };
        LibvipsRuntime.EnsureInitialized();
    }

    /// <inheritdoc />
    public EncodedVariant Encode(ReadOnlyMemory<byte> source, SourceImageKind kind)
    {
        CheckInput(source.Span, kind, options);

        // libvips reads the source in place, without copying: the pin must outlive every image made from it,
        // which VipsPipeline guarantees by releasing them all before returning.
        using var pin = source.Pin();
        unsafe
        {
            var data = (byte*)pin.Pointer;
            var length = (nuint)source.Length;
            VipsPipeline.CheckLoader(data, length, kind);

            switch (WebPEncodingRule.ModeFor(kind, options))
            {
                case WebPMode.Lossy:
                    return Single(data, length, kind, WebPEncodingRule.Lossy(options));
                case WebPMode.Lossless:
                    return Single(data, length, kind, WebPEncodingRule.Lossless(options));
                default:
                    var lossless = VipsPipeline.Run(data, length, kind, WebPEncodingRule.Lossless(options), options);
                    var lossySetting = WebPEncodingRule.Lossy(options);
                    var lossy = VipsPipeline.Run(data, length, kind, lossySetting, options);
                    return WebPEncodingRule.PreferLossy(lossless.WebP.Length, lossy.WebP.Length, options)
                        ? ToVariant(lossy, "auto:" + lossySetting.Name)
                        : ToVariant(lossless, "auto:lossless");
            }
        }
    }

    /// <inheritdoc />
    public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind)
    {
        CheckInput(source.Span, kind, options);
        using var pin = source.Pin();
        unsafe
        {
            var data = (byte*)pin.Pointer;
            var length = (nuint)source.Length;
            VipsPipeline.CheckLoader(data, length, kind);
            var (width, height, frames, bands, orientation) = VipsPipeline.ReadHeader(data, length, kind, options);
            var image = new EncodeCostModel.Image(kind, WebPEncodingRule.ModeFor(kind, options), width, height, frames, HasAlpha: bands is 2 or 4, Rotated: orientation > 2);
            // The source buffer is held for the whole encode, so it counts against the budget too.
            return new EncodeEstimate(width, height, frames, EncodeCostModel.PeakBytes(image) + source.Length);
        }
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

    private unsafe EncodedVariant Single(byte* data, nuint length, SourceImageKind kind, WebPSetting setting) =>
        ToVariant(VipsPipeline.Run(data, length, kind, setting, options), setting.Name);

    private static EncodedVariant ToVariant(VipsPipeline.Pass pass, string rule) =>
        new(pass.WebP, pass.Width, pass.FrameHeight, pass.Frames, rule);

    private static string Describe(ReadOnlySpan<byte> source)
    {
        var head = source[..Math.Min(8, source.Length)];
        return Convert.ToHexString(head);
    }
}
