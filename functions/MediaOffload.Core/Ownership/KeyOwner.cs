using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Ownership;

/// <summary>
/// Who a media object belongs to, as recorded in its metadata (docs/keys.md): the attachment, when the writer knows
/// it, and a digest of the file's name as it is on disk, which tells apart two names with one NFC key.
/// </summary>
/// <param name="AttachmentId">The WordPress attachment id; null when the writer does not know it (the CLI).</param>
/// <param name="SourceName">The first 32 hex digits of the SHA-256 of the on-disk uploads-relative path; null when unknown.</param>
public sealed record KeyOwner(long? AttachmentId, string? SourceName)
{
    /// <summary>Metadata key of <see cref="AttachmentId"/>.</summary>
    public const string AttachmentIdKey = "attachment-id";

    /// <summary>Metadata key of <see cref="SourceName"/>.</summary>
    public const string SourceNameKey = "source-name";

    /// <summary>An owner that records nothing: objects written before owners were recorded.</summary>
    public static KeyOwner Unknown { get; } = new(null, null);

    /// <summary>The owner of a file named <paramref name="onDiskPath"/> (before NFC) for <paramref name="attachmentId"/>.</summary>
    public static KeyOwner For(long? attachmentId, string onDiskPath) =>
        new(attachmentId is > 0 ? attachmentId : null, NameDigest(onDiskPath));

    /// <summary>The digest recorded as <see cref="SourceNameKey"/>: SHA-256 of the UTF-8 bytes, 32 hex digits.</summary>
    public static string NameDigest(string onDiskPath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(onDiskPath)).AsSpan(0, 16));

    /// <summary>The owner an object's metadata records; <see cref="Unknown"/> fields stay null.</summary>
    public static KeyOwner Of(ObjectHeaders headers)
    {
        var id = long.TryParse(headers.Meta(AttachmentIdKey), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : (long?)null;
        var name = headers.Meta(SourceNameKey);
        return new KeyOwner(id, string.IsNullOrEmpty(name) ? null : name);
    }

    /// <summary>Adds the known fields to object metadata.</summary>
    public void WriteTo(IDictionary<string, string> metadata)
    {
        if (AttachmentId is { } id)
        {
            metadata[AttachmentIdKey] = id.ToString(CultureInfo.InvariantCulture);
        }

        if (SourceName is { } name)
        {
            metadata[SourceNameKey] = name;
        }
    }

    /// <summary>
    /// Null when this owner may write over an object recorded for <paramref name="recorded"/>, else why not: another
    /// attachment, or another name on disk. A field either side does not know is not compared.
    /// </summary>
    public string? WriteConflict(KeyOwner recorded) =>
        AttachmentConflict(recorded)
        ?? (SourceName is not null && recorded.SourceName is not null && SourceName != recorded.SourceName
            ? "the object belongs to another file whose name on disk differs but has the same NFC key"
            : null);

    /// <summary>Null when this owner may delete an object recorded for <paramref name="recorded"/>, else why not.</summary>
    public string? DeleteConflict(KeyOwner recorded) => AttachmentConflict(recorded);

    private string? AttachmentConflict(KeyOwner recorded) =>
        AttachmentId is { } mine && recorded.AttachmentId is { } theirs && mine != theirs
            ? string.Create(CultureInfo.InvariantCulture, $"the object belongs to attachment {theirs}")
            : null;
}
