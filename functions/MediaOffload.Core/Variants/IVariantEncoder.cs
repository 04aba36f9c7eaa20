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
}

/// <summary>A WebP encode result.</summary>
/// <param name="WebP">The encoded WebP file.</param>
/// <param name="Width">Width after EXIF orientation was applied.</param>
/// <param name="Height">Height of one frame after EXIF orientation was applied.</param>
/// <param name="Frames">Frame count, 1 for still images.</param>
/// <param name="Rule">The setting used, e.g. <c>lossy-q86</c>, <c>lossless</c>, <c>auto:lossy-q86</c>.</param>
public sealed record EncodedVariant(byte[] WebP, int Width, int Height, int Frames, string Rule);
