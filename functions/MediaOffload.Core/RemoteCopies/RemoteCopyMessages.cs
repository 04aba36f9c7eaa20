using System.Text.Json;
using MediaOffload.Core.Json;

namespace MediaOffload.Core.RemoteCopies;

/// <summary>
/// <c>POST /v1/removal-checks</c> (docs/remote-only.md): the files whose local copies the plugin means to remove, with
/// the size and MD5 it holds for each.
/// </summary>
public sealed record RemovalCheckRequest(string? Site, IReadOnlyList<RemovalCheckFile?>? Files)
{
    /// <summary>Reads a body with the web defaults events are read with; throws <see cref="JsonException"/> on bad JSON.</summary>
    public static RemovalCheckRequest? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CoreJsonContext.Web.RemovalCheckRequest);
}

/// <summary>One file to check: its uploads-relative path (with <c>sites/N/</c> on a network's site), size and MD5.</summary>
public sealed record RemovalCheckFile(string? Path, long? Size, string? Md5);

/// <summary>The answer: whether the media bucket is versioned, and a verdict per file in the order asked.</summary>
public sealed record RemovalCheckAnswer(bool Versioned, IReadOnlyList<RemovalVerdict> Files);

/// <summary>
/// Whether the local copy of <paramref name="Path"/> may go: <paramref name="Verified"/> only when the bucket is
/// versioned and the object at <paramref name="Key"/> has the size and MD5 asked about; else <paramref name="Reason"/>.
/// </summary>
public sealed record RemovalVerdict(string Path, string Key, bool Verified, string? Reason);

/// <summary><c>POST /v1/restores</c> (docs/remote-only.md): the files the plugin needs back on disk.</summary>
public sealed record RestoreRequest(string? Site, IReadOnlyList<string?>? Paths)
{
    /// <summary>Reads a body with the web defaults events are read with; throws <see cref="JsonException"/> on bad JSON.</summary>
    public static RestoreRequest? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CoreJsonContext.Web.RestoreRequest);
}

/// <summary>The answer: a link per path, in the order asked.</summary>
public sealed record RestoreAnswer(IReadOnlyList<RestoreLink> Files);

/// <summary>
/// Where to download one file: a presigned GET <paramref name="Url"/>, valid for <paramref name="ExpiresIn"/> seconds,
/// and the object's <paramref name="Size"/> and <paramref name="Md5"/> to verify the download against (null MD5: a
/// multipart object that records none, which cannot be verified). <paramref name="Found"/> false: no object, no link.
/// </summary>
public sealed record RestoreLink(string Path, string Key, bool Found, long? Size = null, string? Md5 = null, string? Url = null, int? ExpiresIn = null);
