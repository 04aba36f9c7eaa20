namespace MediaOffload.Core.Variants;

/// <summary>Encodes a source image to its WebP variant. Implemented with libvips in MediaOffload.Imaging.</summary>
public interface IVariantEncoder
{
    /// <summary>
    /// Encodes <paramref name="source"/>, which the key says is <paramref name="kind"/>, to WebP per the
    /// encoder's <see cref="VariantOptions"/>. Thread-safe. The buffer must not change during the call.
    /// </summary>
    /// <exception cref="ImageRejectedException">The input is empty, too big, not the declared kind, over the
    /// pixel limit, or corrupt/truncated.</exception>
    EncodedVariant Encode(ReadOnlyMemory<byte> source, SourceImageKind kind);

    /// <summary>
    /// Reads only the header of <paramref name="source"/> and estimates the memory <see cref="Encode"/> would take at
    /// its peak, from factors measured for this encoder (docs/imaging.md, "Memory"). Decodes no pixels.
    /// </summary>
    /// <exception cref="ImageRejectedException">The same checks as <see cref="Encode"/> make before decoding.</exception>
    EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind);
}

/// <summary>What an encode will cost, from the image header.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height of all frames together, in pixels.</param>
/// <param name="Frames">Frame count, 1 for still images.</param>
/// <param name="PeakBytes">The memory the encode takes at its peak, beyond the source buffer it is given.</param>
public sealed record EncodeEstimate(int Width, int Height, int Frames, long PeakBytes);

/// <summary>A WebP encode result.</summary>
/// <param name="WebP">The encoded WebP file.</param>
/// <param name="Width">Width after EXIF orientation was applied.</param>
/// <param name="Height">Height of one frame after EXIF orientation was applied.</param>
/// <param name="Frames">Frame count, 1 for still images.</param>
/// <param name="Rule">The setting used, e.g. <c>lossy-q86</c>, <c>lossless</c>, <c>auto:lossy-q86</c>.</param>
public sealed record EncodedVariant(byte[] WebP, int Width, int Height, int Frames, string Rule);
