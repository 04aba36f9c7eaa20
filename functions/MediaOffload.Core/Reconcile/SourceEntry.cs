using System.Text.Json.Serialization;
using MediaOffload.Core.Ownership;

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
// PascalCase on purpose: these fields were written before camelCase became the default, and checkpoints in flight (PendingVariant.Source)
// must still read (names are matched case-sensitively).
public sealed record SourceEntry(
    [property: JsonPropertyName("Path")] string Path,
    [property: JsonPropertyName("Size")] long Size,
    [property: JsonPropertyName("Md5")] string? Md5,
    [property: JsonPropertyName("Modified")] DateTimeOffset Modified,
    [property: JsonPropertyName("Rejection")] string? Rejection = null)
{
    /// <summary>Who the key belongs to once this file is written (docs/keys.md); null when unknown.</summary>
    [JsonPropertyName("Owner")] public KeyOwner? Owner { get; init; }

    /// <summary>Where to fetch the file: its URL as the site serves it (manifest sources); null for local files.</summary>
    [JsonPropertyName("Url")] public string? Url { get; init; }

    /// <summary>
    /// The key is claimed by more than one file (two names with one NFC key): the entry is skipped and the object at
    /// the key, if any, is left alone, never deleted on its behalf.
    /// </summary>
    [JsonPropertyName("HoldsKey")] public bool HoldsKey { get; init; }

    /// <summary>
    /// WordPress holds no local copy: the bucket's object is the only one (docs/remote-only.md). Such a file is never
    /// fetched, and its object is never replaced or deleted on its behalf.
    /// </summary>
    // Left out when false, so checkpoints of files that have a local copy keep their bytes.
    [JsonPropertyName("RemoteOnly"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool RemoteOnly { get; init; }

    /// <summary>A file that is reported as skipped and never uploaded.</summary>
    public static SourceEntry Rejected(string path, string reason, long size = 0) =>
        new(path, size, null, DateTimeOffset.MinValue, reason);

    /// <summary>A contested key: reported as skipped, and its object left alone.</summary>
    public static SourceEntry Contested(string path, string reason) => Rejected(path, reason) with { HoldsKey = true };
}
