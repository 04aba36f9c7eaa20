using System.Text.Json.Serialization;

namespace MediaOffload.Core.Manifest;

/// <summary>
/// One page of the plugin's media library manifest (docs/plugin.md):
/// <c>GET {site}/wp-json/media-offload/v1/manifest?cursor=&amp;limit=</c>, signed like every request.
/// </summary>
public sealed record ManifestPage(
    [property: JsonPropertyName("files")] IReadOnlyList<ManifestFile>? Files,
    [property: JsonPropertyName("nextCursor")] string? NextCursor)
{
    /// <summary>The route below the site's base URL.</summary>
    public const string Route = "/wp-json/media-offload/v1/manifest";
}

/// <summary>
/// One file of the media library as WordPress knows it. <see cref="Url"/> is its URL as the site serves it, which
/// names the file as it is on disk (docs/keys.md); older plugins do not send it.
/// </summary>
public sealed record ManifestFile(
    [property: JsonPropertyName("path")] string? Path,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("md5")] string? Md5,
    [property: JsonPropertyName("mime")] string? Mime,
    [property: JsonPropertyName("modified")] DateTimeOffset? Modified,
    [property: JsonPropertyName("attachmentId")] long? AttachmentId,
    [property: JsonPropertyName("url")] string? Url = null);
