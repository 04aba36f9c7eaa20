using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Storage;

namespace MediaOffload.Cli.State;

/// <summary>What the CLI remembers about one key between runs.</summary>
/// <param name="Size">Local file size when <paramref name="Md5"/> was computed.</param>
/// <param name="MtimeTicks">Local mtime (UTC ticks) when <paramref name="Md5"/> was computed.</param>
/// <param name="Md5">MD5 of the local file.</param>
/// <param name="ETag">The object's ETag when its headers were last seen (audited or written by us).</param>
/// <param name="LastModified">The object's LastModified then; null right after our own write, adopted on the next listing.</param>
/// <param name="ContentType">The Content-Type the object had.</param>
/// <param name="CacheControl">Its Cache-Control.</param>
/// <param name="Metadata">Its user metadata.</param>
internal sealed record StateEntry(
    [property: JsonPropertyName("s")] long Size,
    [property: JsonPropertyName("m")] long MtimeTicks,
    [property: JsonPropertyName("h")] string? Md5,
    [property: JsonPropertyName("e")] string? ETag,
    [property: JsonPropertyName("l")] DateTimeOffset? LastModified,
    [property: JsonPropertyName("ct")] string? ContentType,
    [property: JsonPropertyName("cc")] string? CacheControl,
    [property: JsonPropertyName("md")] Dictionary<string, string>? Metadata);

/// <summary>
/// A local cache that makes a no-op re-sync cheap: file MD5s keyed by size and mtime (as rsync and git do), and
/// the headers of objects keyed by ETag and LastModified. S3 cannot change an object's headers without a new
/// LastModified, so a listed object whose ETag and LastModified match needs no HEAD. JSON lines, one per key.
/// </summary>
internal sealed class SyncState
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly ConcurrentDictionary<string, StateEntry> _entries = new(StringComparer.Ordinal);
    private readonly string? _path;

    private SyncState(string? path) => _path = path;

    /// <summary>A state that remembers nothing and saves nothing.</summary>
    public static SyncState None { get; } = new(null);

    public static async Task<SyncState> LoadAsync(string? path, CancellationToken cancellationToken)
    {
        var state = new SyncState(path);
        if (path is null || !File.Exists(path))
        {
            return state;
        }

        using var reader = new StreamReader(path, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<StateEntry>(line.AsSpan(tab + 1), Json) is { } entry)
                {
                    state._entries[line[..tab]] = entry;
                }
            }
            catch (JsonException)
            {
                // A torn line only costs a re-hash or a HEAD.
            }
        }

        return state;
    }

    public StateEntry? Get(string key) => _entries.TryGetValue(key, out var e) ? e : null;

    public void RecordLocal(string key, long size, long mtimeTicks, string md5) =>
        _entries.AddOrUpdate(key,
            _ => new StateEntry(size, mtimeTicks, md5, null, null, null, null, null),
            (_, e) => e with { Size = size, MtimeTicks = mtimeTicks, Md5 = md5 });

    /// <summary>Remembers headers seen by a HEAD (with LastModified) or written by us (without).</summary>
    public void RecordObject(string key, string etag, DateTimeOffset? lastModified, ObjectHeaders headers) =>
        _entries.AddOrUpdate(key,
            _ => new StateEntry(0, 0, null, etag, lastModified, headers.ContentType, headers.CacheControl, new(headers.Metadata)),
            (_, e) => e with { ETag = etag, LastModified = lastModified, ContentType = headers.ContentType, CacheControl = headers.CacheControl, Metadata = new(headers.Metadata) });

    public void Forget(string key) => _entries.TryRemove(key, out _);

    /// <summary>The remembered headers of a listed object, or null when they may have changed since.</summary>
    public ObjectHeaders? HeadersFor(StoredObject listed)
    {
        if (Get(listed.Key) is not { ETag: { } etag, ContentType: { } contentType, Metadata: { } metadata } entry
            || etag.Trim('"') != listed.ETag.Trim('"'))
        {
            return null;
        }

        if (entry.LastModified is null)
        {
            // Written by us; the first listing after the write supplies the LastModified to vouch for.
            _entries[listed.Key] = entry with { LastModified = listed.LastModified };
        }
        else if (entry.LastModified != listed.LastModified)
        {
            return null;
        }

        return new ObjectHeaders(contentType, entry.CacheControl, metadata);
    }

    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        var temp = _path + ".tmp";
        await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
        {
            foreach (var (key, entry) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                await writer.WriteAsync(key.AsMemory(), cancellationToken);
                await writer.WriteAsync('\t');
                await writer.WriteLineAsync(JsonSerializer.Serialize(entry, Json).AsMemory(), cancellationToken);
            }
        }

        File.Move(temp, _path, overwrite: true);
    }
}
