using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MediaOffload.Core.Jobs;

/// <summary>Deterministic job ids: the same event always yields the same id, so a repeated event is harmless.</summary>
public static class JobIds
{
    /// <summary>
    /// <c>j-</c> plus 32 hex characters of SHA-256 over the canonical event: type, site, attachment and the files
    /// sorted by path. File order in the event does not change the id; any change to a file's content does.
    /// </summary>
    /// <summary>
    /// Whether <paramref name="id"/> has the shape <see cref="For"/> gives: <c>j-</c> and 32 lower-case hex digits.
    /// Anything else (a path, an encoded slash, upper case) is refused before it can name a storage key.
    /// </summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: 34 } && id.StartsWith("j-", StringComparison.Ordinal) && id.AsSpan(2).IndexOfAnyExcept("0123456789abcdef") < 0;

    public static string For(string type, string site, long attachmentId, IEnumerable<JobFile> files)
    {
        var canonical = new StringBuilder()
            .Append(type).Append('\n')
            .Append(site).Append('\n')
            .Append(attachmentId.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var f in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            canonical.Append(f.Path).Append('\t')
                .Append(f.Url).Append('\t')
                .Append(f.Size?.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(f.Md5).Append('\t')
                .Append(f.Headers?.Meta(Storage.MediaMetadata.SourceModified)).Append('\t')
                .Append(f.Headers?.CacheControl).Append('\t')
                .Append(f.Headers?.Meta(Storage.MediaMetadata.CachePolicy)).Append('\n');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()));
        return "j-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
