namespace MediaOffload.Core.Variants;

/// <summary>
/// Encodes a source image to its variants: WebP always, AVIF when <see cref="VariantOptions.Formats"/> has it and the
/// source is eligible. Implemented with libvips in MediaOffload.Imaging.
/// </summary>
public interface IVariantEncoder
{
    /// <summary>
    /// Decodes <paramref name="source"/>, which the key says is <paramref name="kind"/>, once and encodes it to WebP and,
    /// when enabled and eligible, AVIF, per the encoder's <see cref="VariantOptions"/>. Thread-safe. The buffer must not
    /// change during the call.
    /// </summary>
    /// <exception cref="ImageRejectedException">The input is empty, too big, not the declared kind, over the
    /// pixel limit, or corrupt/truncated.</exception>
    EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind);

    /// <summary>
    /// Reads only the header of <paramref name="source"/> and estimates the memory <see cref="Encode"/> would take at
    /// its peak, both encodes included, from factors measured for this encoder (docs/imaging.md, "Memory"). Decodes no
    /// pixels.
    /// </summary>
    /// <exception cref="ImageRejectedException">The same checks as <see cref="Encode"/> make before decoding.</exception>
    EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind);

    /// <summary>
    /// This encoder with AVIF turned off whatever <see cref="VariantOptions.Formats"/> says, for callers that write only
    /// the WebP key, so they neither pay for an AVIF encode nor have it admitted. Default: this encoder itself, for
    /// encoders that make no AVIF.
    /// </summary>
    IVariantEncoder WithoutAvif() => this;
}

/// <summary>What an encode will cost, from the image header.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height of all frames together, in pixels.</param>
/// <param name="Frames">Frame count, 1 for still images.</param>
/// <param name="PeakBytes">The memory the encode takes at its peak, beyond the source buffer it is given.</param>
public sealed record EncodeEstimate(int Width, int Height, int Frames, long PeakBytes);

/// <summary>One encoded variant.</summary>
/// <param name="Bytes">The encoded file.</param>
/// <param name="Target">Its format.</param>
/// <param name="Width">Width after EXIF orientation was applied.</param>
/// <param name="Height">Height of one frame after EXIF orientation was applied.</param>
/// <param name="Frames">Frame count, 1 for still images.</param>
/// <param name="Rule">The setting used, e.g. <c>lossy-q86</c>, <c>lossless</c>, <c>auto:lossy-q86</c>, <c>avif-q65</c>.</param>
public sealed record EncodedVariant(byte[] Bytes, VariantTarget Target, int Width, int Height, int Frames, string Rule);

/// <summary>The variants of one source, from one decode.</summary>
/// <param name="WebP">The WebP encode; always made.</param>
/// <param name="Avif">The AVIF encode, or null when AVIF is off or the source is not eligible.</param>
/// <param name="AvifSkipped">Why <paramref name="Avif"/> is null (ASCII, e.g. <c>animated GIF (3 frames)</c>); null when it is not.</param>
public sealed record EncodedVariants(EncodedVariant WebP, EncodedVariant? Avif, string? AvifSkipped);
