using System.Text;

namespace MediaOffload.Core.Paths;

/// <summary>
/// A WordPress uploads-relative path (e.g. <c>2024/05/photo.jpg</c>) that has passed the path rules:
/// relative, forward slashes only, no <c>.</c> or <c>..</c> segments, no empty segments, no control characters,
/// Unicode normalised to NFC, and short enough to fit an S3 key with its prefix.
/// </summary>
public sealed record MediaPath
{
    /// <summary>S3 keys are limited to 1024 UTF-8 bytes; keep room for the prefix and a variant suffix (<c>.avif</c>, <c>.webp</c>).</summary>
    public const int MaxUtf8Bytes = 900;

    private MediaPath(string value) => Value = value;

    /// <summary>The normalised path, e.g. <c>2024/05/photo.jpg</c>.</summary>
    public string Value { get; }

    /// <summary>The file extension in lower case without the dot, or an empty string.</summary>
    public string Extension
    {
        get
        {
            var name = Value[(Value.LastIndexOf('/') + 1)..];
            var dot = name.LastIndexOf('.');
            return dot <= 0 ? string.Empty : name[(dot + 1)..].ToLowerInvariant();
        }
    }

    public override string ToString() => Value;

    /// <summary>Validates and normalises <paramref name="raw"/>; the error names the first rule it breaks.</summary>
    public static bool TryParse(string? raw, out MediaPath path, out string error)
    {
        path = null!;
        if (string.IsNullOrEmpty(raw))
        {
            error = "path is empty";
            return false;
        }

        foreach (var ch in raw)
        {
            if (char.IsControl(ch))
            {
                error = "path contains a control character";
                return false;
            }
        }

        if (raw.Contains('\\'))
        {
            error = "path contains a backslash";
            return false;
        }

        if (raw[0] == '/' || (raw.Length >= 2 && raw[1] == ':'))
        {
            error = "path is absolute";
            return false;
        }

        if (!raw.IsNormalized(NormalizationForm.FormC))
        {
            // Decomposed accents from macOS uploads would otherwise make two keys for one file.
            raw = raw.Normalize(NormalizationForm.FormC);
        }

        foreach (var segment in raw.Split('/'))
        {
            if (segment.Length == 0)
            {
                error = "path has an empty segment";
                return false;
            }

            if (segment is "." or "..")
            {
                error = "path has a '.' or '..' segment";
                return false;
            }
        }

        if (Encoding.UTF8.GetByteCount(raw) > MaxUtf8Bytes)
        {
            error = $"path is longer than {MaxUtf8Bytes} UTF-8 bytes";
            return false;
        }

        error = string.Empty;
        path = new MediaPath(raw);
        return true;
    }

    /// <summary>Parses a path known to be valid; throws <see cref="ArgumentException"/> otherwise.</summary>
    public static MediaPath Parse(string raw) =>
        TryParse(raw, out var path, out var error) ? path : throw new ArgumentException($"Invalid media path: {error}.", nameof(raw));
}
