namespace MediaOffload.Core.Variants;

/// <summary>The source formats the encoder reads. Anything else is left alone.</summary>
public enum SourceImageKind
{
    /// <summary>JPEG (<c>.jpg</c>, <c>.jpeg</c>), content type <c>image/jpeg</c>.</summary>
    Jpeg,

    /// <summary>PNG (<c>.png</c>), content type <c>image/png</c>.</summary>
    Png,

    /// <summary>GIF, possibly animated (<c>.gif</c>), content type <c>image/gif</c>.</summary>
    Gif,

    /// <summary>
    /// An offloaded AVIF original (<c>.avif</c>, WordPress 6.5+), content type <c>image/avif</c>. It only ever gets a
    /// WebP variant, and only when that is smaller; it is the one kind the encoder decodes with libvips' HEIF loader.
    /// Which keys are AVIF sources is <see cref="VariantKeys"/>' rule, and it names none yet.
    /// </summary>
    Avif,
}

/// <summary>Content types and magic bytes of <see cref="SourceImageKind"/>.</summary>
public static class SourceImageKinds
{
    /// <summary>Content type written for a WebP variant: <c>image/webp</c>.</summary>
    public const string WebPContentType = "image/webp";

    /// <summary>Content type written for an AVIF variant: <c>image/avif</c>.</summary>
    public const string AvifContentType = "image/avif";

    /// <summary>The canonical content type of <paramref name="kind"/>, e.g. <c>image/jpeg</c>.</summary>
    public static string ContentType(this SourceImageKind kind) => kind switch
    {
        SourceImageKind.Jpeg => "image/jpeg",
        SourceImageKind.Png => "image/png",
        SourceImageKind.Gif => "image/gif",
        SourceImageKind.Avif => AvifContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// True when <paramref name="data"/> starts with the signature of <paramref name="kind"/>
    /// (JPEG <c>FF D8 FF</c>, PNG <c>89 'PNG' 0D 0A 1A 0A</c>, GIF <c>GIF87a</c>/<c>GIF89a</c>, AVIF an ISO BMFF
    /// <c>ftyp</c> box whose major or a compatible brand is <c>avif</c> or <c>avis</c>: a HEIC file is not AVIF).
    /// </summary>
    public static bool HasSignatureOf(ReadOnlySpan<byte> data, SourceImageKind kind) => kind switch
    {
        SourceImageKind.Jpeg => data.StartsWith(JpegMagic),
        SourceImageKind.Png => data.StartsWith(PngMagic),
        SourceImageKind.Gif => data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8),
        SourceImageKind.Avif => IsAvif(data),
        _ => false,
    };

    /// <summary>The kind whose signature <paramref name="data"/> carries, or null when it is none of them.</summary>
    public static SourceImageKind? Sniff(ReadOnlySpan<byte> data)
    {
        foreach (var kind in Enum.GetValues<SourceImageKind>())
        {
            if (HasSignatureOf(data, kind))
            {
                return kind;
            }
        }

        return null;
    }

    // ftyp box: 4-byte big-endian size, "ftyp", major brand, minor version, then compatible brands to the box's end.
    private static bool IsAvif(ReadOnlySpan<byte> data)
    {
        if (data.Length < 16 || !data[4..].StartsWith("ftyp"u8))
        {
            return false;
        }

        var size = (int)Math.Min(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data), (uint)Math.Min(data.Length, 4096));
        for (var offset = 8; offset + 4 <= size; offset += offset == 8 ? 8 : 4)
        {
            var brand = data.Slice(offset, 4);
            if (brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
