using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging;

/// <summary>
/// The peak memory of one encode through this pipeline beyond its source buffer, from measurements
/// (docs/benchmarks-imaging.md, "Encode memory"): bytes per pixel plus a fixed overhead, per source kind, WebP mode,
/// alpha, orientation and whether an AVIF is made too. Each factor is the largest bytes per pixel seen at 4 MP and
/// above, rounded up, so an estimate errs on the safe side; lossless covers photos, not only flat graphics. Change a
/// factor only with a new measurement.
/// </summary>
internal static class EncodeCostModel
{
    private const long MiB = 1024 * 1024;

    /// <summary>What the estimate depends on, all read from the header.</summary>
    /// <param name="Height">Height of all frames together.</param>
    /// <param name="Rotated">An EXIF orientation above 2, which takes random access and a full decode first.</param>
    /// <param name="Avif">An AVIF is made too: the pixels are decoded into memory once and both encoders read them.</param>
    internal sealed record Image(SourceImageKind Kind, WebPMode Mode, int Width, int Height, int Frames, bool HasAlpha, bool Rotated, bool Avif = false);

    /// <summary>Estimated peak bytes beyond the source buffer.</summary>
    public static long PeakBytes(Image image)
    {
        var pixels = (long)image.Width * image.Height;
        var framePixels = pixels / Math.Max(1, image.Frames);
        if (image.Kind == SourceImageKind.Gif && image.Frames > 1)
        {
            // Animations are encoded frame by frame: one frame costs most, the others little.
            return (long)Math.Ceiling((AnimatedFirstFrame * framePixels) + (AnimatedOtherFrames * (pixels - framePixels))) + AnimatedOverhead;
        }

        var (perPixel, overhead) = WebP(image);
        if (image.Avif)
        {
            // The decoded copy (one byte a band) is held across both encodes, which run one after the other, so the
            // peak is the copy plus the larger encoder.
            var (avifPerPixel, avifOverhead) = image.HasAlpha ? AvifWithAlpha : AvifOpaque;
            // A rotation's random-access decode (3 B/px) is still held while the rotated copy is made.
            perPixel = (image.HasAlpha ? 4 : 3) + (image.Rotated ? 3 : 0) + Math.Max(perPixel, avifPerPixel);
            overhead = Math.Max(overhead, avifOverhead);
        }

        return (long)Math.Ceiling(perPixel * pixels) + overhead;
    }

    // libvips 8.18 webpsave, measured with MemoryBench (docs/benchmarks-imaging.md, "Encode memory").
    private static (double PerPixel, long Overhead) WebP(Image image) => (image.Kind, image.Mode) switch
    {
        // webpsave's RGB frame (3 B) and libwebp's YUV picture (1.5 B) and its working set; a rotation decodes the whole image first.
        (SourceImageKind.Jpeg or SourceImageKind.Avif, _) => (image.Rotated ? JpegRotated : Jpeg, 2 * MiB),
        // An alpha plane goes through libwebp's lossless coder even in a lossy encode.
        (SourceImageKind.Png, WebPMode.Lossy) => image.HasAlpha ? (PngLossyAlpha, 6 * MiB) : (PngLossy, 1 * MiB),
        // Lossless (and Auto, whose lossless pass is the larger) on photo content.
        (SourceImageKind.Png, _) => (PngLossless, 15 * MiB),
        // Still GIFs decode to RGBA; lossy is taken as lossy PNG with alpha.
        (SourceImageKind.Gif, WebPMode.Lossy) => (PngLossyAlpha, 6 * MiB),
        (SourceImageKind.Gif, _) => (GifLossless, 4 * MiB),
        _ => throw new ArgumentOutOfRangeException(nameof(image), image.Kind, null),
    };

    // 14.7 B/px measured on a progressive 4:2:2 photo (libjpeg's coefficient buffer, 4 B/px, lives through the
    // sequential decode while webpsave holds its own frame and libwebp's picture), docs/imaging.md, "WebP speed and memory".
    private const double Jpeg = 15;
    private const double JpegRotated = 18;
    private const double PngLossy = 8;
    private const double PngLossyAlpha = 27;
    private const double PngLossless = 36;
    private const double GifLossless = 25;
    private const double AnimatedFirstFrame = 38;
    private const double AnimatedOtherFrames = 2;
    private const long AnimatedOverhead = 9 * MiB;
    // heifsave (libheif + libaom at effort 4) on the decoded copy: 189 MiB peak beyond the source for WebP and AVIF of
    // a 2560x2560 photo, i.e. 3 (copy) + 25 B/px + 16 MiB (docs/imaging.md, "Lambda memory and timeout"). With alpha
    // libheif encodes a second (alpha) image: taken as 4/3 of that, not measured.
    private static readonly (double PerPixel, long Overhead) AvifOpaque = (25, 16 * MiB);
    private static readonly (double PerPixel, long Overhead) AvifWithAlpha = (33, 16 * MiB);
}
