namespace MediaOffload.Core.Variants;

/// <summary>The source formats that get a WebP variant. Anything else is left alone.</summary>
public enum SourceImageKind
{
    /// <summary>JPEG (<c>.jpg</c>, <c>.jpeg</c>), content type <c>image/jpeg</c>.</summary>
    Jpeg,

    /// <summary>PNG (<c>.png</c>), content type <c>image/png</c>.</summary>
    Png,

    /// <summary>GIF, possibly animated (<c>.gif</c>), content type <c>image/gif</c>.</summary>
    Gif,
}

/// <summary>Content types and magic bytes of <see cref="SourceImageKind"/>.</summary>
public static class SourceImageKinds
{
    /// <summary>Content type written for a WebP variant: <c>image/webp</c>.</summary>
    public const string WebPContentType = "image/webp";

    /// <summary>The canonical content type of <paramref name="kind"/>, e.g. <c>image/jpeg</c>.</summary>
    public static string ContentType(this SourceImageKind kind) => kind switch
    {
        SourceImageKind.Jpeg => "image/jpeg",
        SourceImageKind.Png => "image/png",
        SourceImageKind.Gif => "image/gif",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>
    /// True when <paramref name="data"/> starts with the signature of <paramref name="kind"/>
    /// (JPEG <c>FF D8 FF</c>, PNG <c>89 'PNG' 0D 0A 1A 0A</c>, GIF <c>GIF87a</c>/<c>GIF89a</c>).
    /// </summary>
    public static bool HasSignatureOf(ReadOnlySpan<byte> data, SourceImageKind kind) => kind switch
    {
        SourceImageKind.Jpeg => data.StartsWith(JpegMagic),
        SourceImageKind.Png => data.StartsWith(PngMagic),
        SourceImageKind.Gif => data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8),
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

    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> PngMagic => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
