using System.Buffers.Binary;

namespace MediaOffload.Imaging;

/// <summary>Edits the RIFF container of a WebP file without touching the image data.</summary>
internal static class WebPContainer
{
    // VP8X feature flags (WebP container spec): ICC profile, EXIF, XMP.
    private const byte IccFlag = 0x20;
    private const byte ExifFlag = 0x08;
    private const byte XmpFlag = 0x04;

    /// <summary>
    /// Removes the ICCP, EXIF and XMP chunks and clears their VP8X flags. Returns the input unchanged when it
    /// has none, or when it is not a well-formed extended WebP (we never break a file we cannot parse).
    /// </summary>
    internal static byte[] StripMetadata(byte[] webp)
    {
        if (webp.Length < 20 || !webp.AsSpan().StartsWith("RIFF"u8) || !webp.AsSpan(8).StartsWith("WEBP"u8))
        {
            return webp;
        }

        var kept = new List<(int Offset, int Length)>();
        var removed = false;
        var offset = 12;
        while (offset + 8 <= webp.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(offset + 4));
            var total = 8L + size + (size & 1);
            if (offset + total > webp.Length)
            {
                return webp;
            }

            var fourCc = webp.AsSpan(offset, 4);
            if (fourCc.SequenceEqual("ICCP"u8) || fourCc.SequenceEqual("EXIF"u8) || fourCc.SequenceEqual("XMP "u8))
            {
                removed = true;
            }
            else
            {
                kept.Add((offset, (int)total));
            }

            offset += (int)total;
        }

        if (!removed || offset != webp.Length)
        {
            return webp;
        }

        var output = new byte[12 + kept.Sum(c => c.Length)];
        webp.AsSpan(0, 12).CopyTo(output);
        var at = 12;
        foreach (var (chunkOffset, length) in kept)
        {
            webp.AsSpan(chunkOffset, length).CopyTo(output.AsSpan(at));
            if (output.AsSpan(at, 4).SequenceEqual("VP8X"u8))
            {
                output[at + 8] &= unchecked((byte)~(IccFlag | ExifFlag | XmpFlag));
            }

            at += length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(4), (uint)(output.Length - 8));
        return output;
    }
}
