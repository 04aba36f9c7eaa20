using System.Text.Json;
using MediaOffload.Core.Json;

namespace MediaOffload.Core.Manifest;

/// <summary>
/// One page of the plugin's media library manifest (docs/plugin.md):
/// <c>GET {site}/wp-json/media-offload/v1/manifest?cursor=&amp;limit=</c>, signed like every request.
/// </summary>
public sealed record ManifestPage(IReadOnlyList<ManifestFile>? Files, string? NextCursor)
{
    /// <summary>The route below the site's base URL.</summary>
    public const string Route = "/wp-json/media-offload/v1/manifest";

    /// <summary>Reads a page; throws <see cref="JsonException"/> on bad JSON.</summary>
    public static ManifestPage? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CoreJsonContext.Default.ManifestPage);
}

/// <summary>
/// One file of the media library as WordPress knows it. <see cref="Url"/> is its URL as the site serves it, which
/// names the file as it is on disk (docs/keys.md); older plugins do not send it. <see cref="RemoteOnly"/>: WordPress
/// removed its local copy once the bucket vouched for it, so size and MD5 are those recorded then (docs/remote-only.md).
/// </summary>
public sealed record ManifestFile(
    string? Path,
    long? Size,
    string? Md5,
    string? Mime,
    DateTimeOffset? Modified,
    long? AttachmentId,
    string? Url = null,
    bool? RemoteOnly = null);
