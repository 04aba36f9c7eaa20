using System.Text.Json;
using MediaOffload.TestSupport;

namespace MediaOffload.Api.Tests;

/// <summary>Builds shim events for files served by the loopback origin.</summary>
public sealed class EventBuilder(LoopbackOrigin origin, string type = "attachment.uploaded", long attachmentId = 42)
{
    private readonly List<object> _files = [];

    public EventBuilder File(string path, byte[] content, string mime = "image/jpeg", long? declaredSize = null, string? md5 = null, string? url = null)
    {
        _files.Add(new
        {
            path,
            url = url ?? origin.UrlFor(path),
            size = declaredSize ?? content.LongLength,
            md5 = md5 ?? ServiceHost.Md5(content),
            mime,
            modified = "2024-05-01T10:00:00Z",
        });
        return this;
    }

    public EventBuilder DeletedFile(string path)
    {
        _files.Add(new { path });
        return this;
    }

    public byte[] Build() => JsonSerializer.SerializeToUtf8Bytes(new { type, site = origin.BaseUrl, attachmentId, files = _files });
}
