using System.Text.Json.Serialization;

namespace MediaOffload.Core.Events;

/// <summary>The body of <c>POST /v1/events</c> as the WordPress shim sends it (README, "The contract with WordPress").</summary>
public sealed record MediaEvent(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("attachmentId")] long? AttachmentId,
    [property: JsonPropertyName("files")] IReadOnlyList<MediaEventFile?>? Files);

/// <summary>One file of an attachment: the original, a generated size, <c>-scaled</c> or <c>original_image</c>.</summary>
public sealed record MediaEventFile(
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("md5")] string? Md5,
    [property: JsonPropertyName("mime")] string? Mime,
    [property: JsonPropertyName("modified")] DateTimeOffset? Modified);

/// <summary>The event types the shim sends.</summary>
public static class MediaEventTypes
{
    public const string Uploaded = "attachment.uploaded";
    public const string Updated = "attachment.updated";
    public const string Deleted = "attachment.deleted";

    public static bool IsKnown(string? type) => type is Uploaded or Updated or Deleted;
}
