using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging;

/// <summary>
/// The peak memory of one encode through this pipeline beyond its source buffer, from measurements
/// (docs/benchmarks-imaging.md, "Encode memory"): bytes per pixel plus a fixed overhead, per source kind, WebP mode,
/// alpha and orientation. Each factor is the largest bytes per pixel seen at 4 MP and above, rounded up, so an
/// estimate errs on the safe side; lossless covers photos (28 B/px measured), not only flat graphics (16). Change a
/// factor only with a new measurement.
/// </summary>
internal static class EncodeCostModel
{
    private const long MiB = 1024 * 1024;

    /// <summary>What the estimate depends on, all read from the header.</summary>
    /// <param name="Height">Height of all frames together.</param>
    /// <param name="Rotated">An EXIF orientation above 2, which takes random access and a full decode first.</param>
    internal sealed record Image(SourceImageKind Kind, WebPMode Mode, int Width, int Height, int Frames, bool HasAlpha, bool Rotated);

    /// <summary>Estimated peak bytes beyond the source buffer.</summary>
    public static long PeakBytes(Image image)
    {
        var pixels = (long)image.Width * image.Height;
        var framePixels = pixels / Math.Max(1, image.Frames);
        var (perPixel, overhead) = (image.Kind, image.Mode) switch
        {
            // libvips' RGB copy (3 B) and libwebp's YUV picture (1.5 B); a rotation decodes the whole image first.
            (SourceImageKind.Jpeg, _) => (image.Rotated ? 7.0 : 5.0, 2 * MiB),
            // An alpha plane goes through libwebp's lossless coder even in a lossy encode.
            (SourceImageKind.Png, WebPMode.Lossy) => (image.HasAlpha ? 25.0 : 6.0, image.HasAlpha ? 6 * MiB : 1 * MiB),
            // Lossless (and Auto, whose lossless pass is the larger) on photo content.
            (SourceImageKind.Png, _) => (34.0, 15 * MiB),
            // Still GIFs decode to RGBA: lossless measured 22 B/px; lossy (not measured) is taken as lossy PNG with alpha.
            (SourceImageKind.Gif, WebPMode.Lossy) when image.Frames == 1 => (25.0, 6 * MiB),
            (SourceImageKind.Gif, _) when image.Frames == 1 => (22.0, 4 * MiB),
            // Animations are encoded frame by frame: one frame costs most, the others little.
            (SourceImageKind.Gif, _) => (0.0, 0L),
            _ => throw new ArgumentOutOfRangeException(nameof(image), image.Kind, null),
        };

        if (image.Kind == SourceImageKind.Gif && image.Frames > 1)
        {
            return (long)Math.Ceiling((35.0 * framePixels) + (2.0 * (pixels - framePixels))) + 9 * MiB;
        }

        return (long)Math.Ceiling(perPixel * pixels) + overhead;
    }
}
