using System.Text.Json;
using MediaOffload.Core.Json;

namespace MediaOffload.Core.Events;

/// <summary>The body of <c>POST /v1/events</c> as the WordPress shim sends it (README, "The contract with WordPress").</summary>
public sealed record MediaEvent(string? Type, string? Site, long? AttachmentId, IReadOnlyList<MediaEventFile?>? Files)
{
    /// <summary>Reads an event body with the web defaults (see <see cref="CoreJsonContext.Web"/>); throws <see cref="JsonException"/> on bad JSON.</summary>
    public static MediaEvent? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CoreJsonContext.Web.MediaEvent);
}

/// <summary>One file of an attachment: the original, a generated size, <c>-scaled</c> or <c>original_image</c>.</summary>
public sealed record MediaEventFile(
    string? Path,
    string? Url,
    long? Size,
    string? Md5,
    string? Mime,
    DateTimeOffset? Modified);

/// <summary>The event types the shim sends.</summary>
public static class MediaEventTypes
{
    public const string Uploaded = "attachment.uploaded";
    public const string Updated = "attachment.updated";
    public const string Deleted = "attachment.deleted";

    public static bool IsKnown(string? type) => type is Uploaded or Updated or Deleted;
}
