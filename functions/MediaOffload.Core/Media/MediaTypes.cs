using System.Collections.Frozen;
using System.Text;

namespace MediaOffload.Core.Media;

/// <summary>
/// The allowlist of offloadable types (README, "Rules the service keeps"): images, audio, video, documents and fonts, each checked by
/// extension and by magic bytes. Everything else, and scripts, server configs and HTML in particular, is refused.
/// </summary>
/// <remarks>
/// SVG, plain text and CSV are left out on purpose: a browser can run script in SVG, and text types are sniffed
/// as HTML by some clients, while S3 cannot attach <c>X-Content-Type-Options</c> to an object.
/// </remarks>
public static class MediaTypes
{
    private static readonly FrozenDictionary<string, MediaType> ByExtension = new MediaType[]
    {
        new("jpg", "image/jpeg", MediaKind.Image, Signatures.Jpeg),
        new("jpeg", "image/jpeg", MediaKind.Image, Signatures.Jpeg),
        new("jpe", "image/jpeg", MediaKind.Image, Signatures.Jpeg),
        new("png", "image/png", MediaKind.Image, Signatures.Png),
        new("gif", "image/gif", MediaKind.Image, Signatures.Gif),
        new("webp", "image/webp", MediaKind.Image, Signatures.WebP),
        new("avif", "image/avif", MediaKind.Image, Signatures.IsoMedia("AVIF", "avif", "avis")),
        new("heic", "image/heic", MediaKind.Image, Signatures.IsoMedia("HEIC", "heic", "heix", "mif1", "msf1")),
        new("bmp", "image/bmp", MediaKind.Image, Signatures.Bmp),
        new("ico", "image/x-icon", MediaKind.Image, Signatures.Ico),
        new("mp3", "audio/mpeg", MediaKind.Audio, Signatures.Mp3),
        new("m4a", "audio/mp4", MediaKind.Audio, Signatures.IsoMedia("M4A")),
        new("ogg", "audio/ogg", MediaKind.Audio, Signatures.Ogg),
        new("oga", "audio/ogg", MediaKind.Audio, Signatures.Ogg),
        new("wav", "audio/wav", MediaKind.Audio, Signatures.Wave),
        new("flac", "audio/flac", MediaKind.Audio, Signatures.Flac),
        new("mp4", "video/mp4", MediaKind.Video, Signatures.IsoMedia("MP4")),
        new("m4v", "video/mp4", MediaKind.Video, Signatures.IsoMedia("M4V")),
        new("mov", "video/quicktime", MediaKind.Video, Signatures.QuickTime),
        new("webm", "video/webm", MediaKind.Video, Signatures.Matroska),
        new("mkv", "video/x-matroska", MediaKind.Video, Signatures.Matroska),
        new("ogv", "video/ogg", MediaKind.Video, Signatures.Ogg),
        new("avi", "video/x-msvideo", MediaKind.Video, Signatures.Avi),
        new("3gp", "video/3gpp", MediaKind.Video, Signatures.IsoMedia("3GP")),
        new("pdf", "application/pdf", MediaKind.Document, Signatures.Pdf),
        new("doc", "application/msword", MediaKind.Document, Signatures.Ole),
        new("xls", "application/vnd.ms-excel", MediaKind.Document, Signatures.Ole),
        new("ppt", "application/vnd.ms-powerpoint", MediaKind.Document, Signatures.Ole),
        new("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", MediaKind.Document, Signatures.Zip),
        new("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", MediaKind.Document, Signatures.Zip),
        new("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", MediaKind.Document, Signatures.Zip),
        new("odt", "application/vnd.oasis.opendocument.text", MediaKind.Document, Signatures.Zip),
        new("ods", "application/vnd.oasis.opendocument.spreadsheet", MediaKind.Document, Signatures.Zip),
        new("odp", "application/vnd.oasis.opendocument.presentation", MediaKind.Document, Signatures.Zip),
        new("woff", "font/woff", MediaKind.Font, Signatures.Woff),
        new("woff2", "font/woff2", MediaKind.Font, Signatures.Woff2),
        new("ttf", "font/ttf", MediaKind.Font, Signatures.Ttf),
        new("otf", "font/otf", MediaKind.Font, Signatures.Otf),
    }.ToFrozenDictionary(t => t.Extension, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every allowlisted type.</summary>
    public static IEnumerable<MediaType> All => ByExtension.Values;

    /// <summary>The type for an extension (without dot, any case), or null when it may not be offloaded.</summary>
    public static MediaType? ForExtension(string extension) =>
        ByExtension.TryGetValue(extension, out var type) ? type : null;

    /// <summary>
    /// Checks a file's first bytes (at least <see cref="Signature.HeadLength"/> when the file is that long)
    /// against its type. Returns null when they match, else the reason they do not.
    /// </summary>
    public static string? CheckContent(MediaType type, ReadOnlyMemory<byte> head)
    {
        if (head.IsEmpty)
        {
            return "file is empty";
        }

        if (LooksLikeScript(head.Span))
        {
            return $"content is a script or markup, not {type.Signature.Name}";
        }

        return type.Signature.Matches(head) ? null : $"content does not match the {type.Signature.Name} signature of .{type.Extension}";
    }

    private static bool LooksLikeScript(ReadOnlySpan<byte> head)
    {
        var text = Encoding.Latin1.GetString(head).TrimStart();
        return text.StartsWith("<?php", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("<?=", StringComparison.Ordinal)
            || text.StartsWith("#!", StringComparison.Ordinal)
            || text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("<script", StringComparison.OrdinalIgnoreCase);
    }
}
