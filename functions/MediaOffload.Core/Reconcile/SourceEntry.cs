namespace MediaOffload.Core.Reconcile;

/// <summary>
/// One file of the media library, as a local walk or the plugin's manifest reports it. Sources must arrive in
/// <see cref="KeyOrder.Utf8"/> order of their keys.
/// </summary>
/// <param name="Path">The uploads-relative path, NFC-normalised (see <see cref="Paths.MediaPath"/>); for a rejected file, the raw path.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Md5">Lower-case hex MD5 of the content; null only for a rejected file.</param>
/// <param name="Modified">Last modification time, recorded as <c>source-modified</c>.</param>
/// <param name="Rejection">Why the file may not be offloaded (path rules, type, magic bytes, unreadable); null when it may.</param>
public sealed record SourceEntry(string Path, long Size, string? Md5, DateTimeOffset Modified, string? Rejection = null)
{
    /// <summary>A file that is reported as skipped and never uploaded.</summary>
    public static SourceEntry Rejected(string path, string reason, long size = 0) =>
        new(path, size, null, DateTimeOffset.MinValue, reason);
}
