using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging;

/// <summary>
/// The peak memory of one encode through this pipeline, as measured (docs/benchmarks-imaging.md, "Encode memory"):
/// bytes per pixel of the whole image (all frames) plus a fixed overhead, per source kind and WebP mode. The factors
/// are the largest seen on the benchmark corpus at 4 MP and above, rounded up, so an estimate errs on the safe side.
/// Change them only with a new measurement.
/// </summary>
internal static class EncodeCostModel
{
    /// <summary>Memory a pipeline takes whatever the image size: libvips and libwebp buffers, thread stacks.</summary>
    public const long Overhead = 48L * 1024 * 1024;

    /// <summary>Estimated peak bytes beyond the source buffer.</summary>
    /// <param name="rotated">An EXIF orientation that needs random access, which decodes the whole image first.</param>
    public static long PeakBytes(SourceImageKind kind, WebPMode mode, long pixels, bool rotated) =>
        Overhead + (long)Math.Ceiling(BytesPerPixel(kind, mode, rotated) * pixels);

    private static double BytesPerPixel(SourceImageKind kind, WebPMode mode, bool rotated) => (kind, mode) switch
    {
        (SourceImageKind.Jpeg, _) => rotated ? 7.0 : 4.0,
        (_, WebPMode.Lossy) => 6.0,
        (_, WebPMode.Lossless) => 11.0,
        (_, WebPMode.Auto) => 11.0,
        _ => 11.0,
    };
}
