using System.Text;

namespace MediaOffload.Core.Media;

/// <summary>Magic-byte checks, so a PHP script renamed to <c>.jpg</c> is never offloaded.</summary>
internal static class Signatures
{
    public static readonly Signature Jpeg = Prefix("JPEG", 0xFF, 0xD8, 0xFF);
    public static readonly Signature Png = Prefix("PNG", 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A);
    public static readonly Signature Gif = new("GIF", h => StartsWith(h.Span, "GIF87a"u8) || StartsWith(h.Span, "GIF89a"u8));
    public static readonly Signature WebP = Riff("WebP", "WEBP"u8.ToArray());
    public static readonly Signature Wave = Riff("WAVE", "WAVE"u8.ToArray());
    public static readonly Signature Avi = Riff("AVI", "AVI "u8.ToArray());
    public static readonly Signature Bmp = Prefix("BMP", 0x42, 0x4D);
    public static readonly Signature Ico = Prefix("ICO", 0x00, 0x00, 0x01, 0x00);
    public static readonly Signature Pdf = Prefix("PDF", 0x25, 0x50, 0x44, 0x46, 0x2D);
    public static readonly Signature Zip = Prefix("ZIP (Office Open XML / OpenDocument)", 0x50, 0x4B, 0x03, 0x04);
    public static readonly Signature Ole = Prefix("OLE2 (legacy Office)", 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1);
    public static readonly Signature Ogg = Prefix("Ogg", 0x4F, 0x67, 0x67, 0x53);
    public static readonly Signature Flac = Prefix("FLAC", 0x66, 0x4C, 0x61, 0x43);
    public static readonly Signature Matroska = Prefix("Matroska/WebM", 0x1A, 0x45, 0xDF, 0xA3);
    public static readonly Signature Woff = Prefix("WOFF", 0x77, 0x4F, 0x46, 0x46);
    public static readonly Signature Woff2 = Prefix("WOFF2", 0x77, 0x4F, 0x46, 0x32);
    public static readonly Signature Otf = Prefix("OpenType", 0x4F, 0x54, 0x54, 0x4F);
    public static readonly Signature Ttf = new("TrueType", h => StartsWith(h.Span, [0x00, 0x01, 0x00, 0x00]) || StartsWith(h.Span, "true"u8));

    public static readonly Signature Mp3 = new("MP3", h =>
    {
        var s = h.Span;
        // Either an ID3v2 tag or a bare MPEG audio frame sync (11 set bits).
        return StartsWith(s, "ID3"u8) || (s.Length >= 2 && s[0] == 0xFF && (s[1] & 0xE0) == 0xE0);
    });

    /// <summary>ISO base media (MP4, MOV, M4A, 3GP, AVIF, HEIC): a box header with type <c>ftyp</c> at offset 4.</summary>
    public static Signature IsoMedia(string name, params string[] brands) => new(name, h =>
    {
        var s = h.Span;
        if (s.Length < 12 || !s.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return false;
        }

        if (brands.Length == 0)
        {
            return true;
        }

        var major = Encoding.ASCII.GetString(s.Slice(8, 4));
        return brands.Contains(major, StringComparer.Ordinal);
    });

    /// <summary>QuickTime files may start with moov/mdat/wide/free boxes instead of ftyp.</summary>
    public static readonly Signature QuickTime = new("QuickTime", h =>
    {
        var s = h.Span;
        if (IsoMedia("ISO", []).Matches(h))
        {
            return true;
        }

        if (s.Length < 8)
        {
            return false;
        }

        var box = s.Slice(4, 4);
        return box.SequenceEqual("moov"u8) || box.SequenceEqual("mdat"u8) || box.SequenceEqual("wide"u8) || box.SequenceEqual("free"u8);
    });

    private static Signature Prefix(string name, params byte[] magic) => new(name, h => StartsWith(h.Span, magic));

    private static Signature Riff(string name, byte[] form) => new(name, h =>
        h.Length >= 12 && StartsWith(h.Span, "RIFF"u8) && h.Span.Slice(8, 4).SequenceEqual(form));

    private static bool StartsWith(ReadOnlySpan<byte> data, ReadOnlySpan<byte> magic) => data.StartsWith(magic);
}
