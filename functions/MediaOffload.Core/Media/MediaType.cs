namespace MediaOffload.Core.Media;

/// <summary>One offloadable file type: its extension, content type, family and the signature its bytes must carry.</summary>
/// <param name="Extension">Lower-case extension without the dot.</param>
/// <param name="ContentType">The <c>Content-Type</c> stored on the object.</param>
/// <param name="Kind">The family, which selects the cache policy.</param>
/// <param name="Signature">The magic-byte check for this type.</param>
public sealed record MediaType(string Extension, string ContentType, MediaKind Kind, Signature Signature);

/// <summary>A named check of a file's first bytes.</summary>
public sealed record Signature(string Name, Func<ReadOnlyMemory<byte>, bool> Matches)
{
    /// <summary>Bytes a caller should read before calling <see cref="Matches"/>; enough for every signature here.</summary>
    public const int HeadLength = 64;
}
