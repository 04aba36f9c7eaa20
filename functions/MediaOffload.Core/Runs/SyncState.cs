using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Json;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Runs;

/// <summary>What the CLI remembers about one key between runs.</summary>
/// <param name="Size">Local file size when <paramref name="Md5"/> was computed.</param>
/// <param name="MtimeTicks">Local mtime (UTC ticks) when <paramref name="Md5"/> was computed.</param>
/// <param name="Md5">MD5 of the local file.</param>
/// <param name="ETag">The object's ETag when its headers were last seen (audited or written by us).</param>
/// <param name="LastModified">The object's LastModified then; null right after our own write, adopted on the next listing.</param>
/// <param name="ContentType">The Content-Type the object had.</param>
/// <param name="CacheControl">Its Cache-Control.</param>
/// <param name="Metadata">Its user metadata.</param>
/// <param name="Rejection">
/// Why a step on this key failed for good (a pixel bomb, a truncated image), with the source MD5 it was for in
/// <paramref name="Md5"/>; a later run reports it as known instead of failing again while the file is unchanged.
/// </param>
public sealed record StateEntry(
    [property: JsonPropertyName("s")] long Size,
    [property: JsonPropertyName("m")] long MtimeTicks,
    [property: JsonPropertyName("h")] string? Md5,
    [property: JsonPropertyName("e")] string? ETag,
    [property: JsonPropertyName("l")] DateTimeOffset? LastModified,
    [property: JsonPropertyName("ct")] string? ContentType,
    [property: JsonPropertyName("cc")] string? CacheControl,
    [property: JsonPropertyName("md")] Dictionary<string, string>? Metadata,
    [property: JsonPropertyName("r")] string? Rejection = null);

/// <summary>
/// A cache that makes a no-op run cheap (docs/reconcile.md, "State"): local file MD5s keyed by size and mtime (as rsync
/// and git do), the headers of objects keyed by ETag and LastModified, and rejections that cannot change while the file
/// does not. S3 cannot change an object's headers without a new LastModified, so a listed object whose ETag and
/// LastModified match needs no HEAD. JSON lines, one per key. The CLI keeps it in a file, the Reconciler in the control
/// bucket; both read and write it with <see cref="ReadAsync"/> and <see cref="WriteAsync"/>.
/// </summary>
public sealed class SyncState
{
    private readonly ConcurrentDictionary<string, StateEntry> _entries = new(StringComparer.Ordinal);
    private int _changed;

    /// <summary>A state that remembers nothing; a run without a state file uses a fresh one of these.</summary>
    public static SyncState Empty() => new();

    /// <summary>Whether anything was recorded or forgotten since it was read, so an unchanged state is not written back.</summary>
    public bool Changed => Volatile.Read(ref _changed) == 1;

    /// <summary>Reads the JSON lines of <paramref name="input"/>; a torn line only costs a re-hash or a HEAD.</summary>
    public static async Task<SyncState> ReadAsync(Stream input, CancellationToken cancellationToken)
    {
        var state = new SyncState();
        using var reader = new StreamReader(input, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize(line.AsSpan(tab + 1), CoreJsonContext.OmitNulls.StateEntry) is { } entry)
                {
                    state._entries[line[..tab]] = entry;
                }
            }
            catch (JsonException)
            {
            }
        }

        return state;
    }

    /// <summary>Writes the state as JSON lines in key order.</summary>
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        foreach (var (key, entry) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            await writer.WriteAsync(key.AsMemory(), cancellationToken);
            await writer.WriteAsync('\t');
            await writer.WriteLineAsync(JsonSerializer.Serialize(entry, CoreJsonContext.OmitNulls.StateEntry).AsMemory(), cancellationToken);
        }
    }

    public StateEntry? Get(string key) => _entries.TryGetValue(key, out var e) ? e : null;

    public void RecordLocal(string key, long size, long mtimeTicks, string md5) => Update(key,
        () => new StateEntry(size, mtimeTicks, md5, null, null, null, null, null),
        e => e with { Size = size, MtimeTicks = mtimeTicks, Md5 = md5, Rejection = e.Md5 == md5 ? e.Rejection : null });

    /// <summary>Remembers headers seen by a HEAD (with LastModified) or written by us (without).</summary>
    public void RecordObject(string key, string etag, DateTimeOffset? lastModified, ObjectHeaders headers) => Update(key,
        () => new StateEntry(0, 0, null, etag, lastModified, headers.ContentType, headers.CacheControl, new(headers.Metadata)),
        e => e with { ETag = etag, LastModified = lastModified, ContentType = headers.ContentType, CacheControl = headers.CacheControl, Metadata = new(headers.Metadata) });

    /// <summary>
/// Remembers that a step on <paramref name="key"/> failed for good while its source has <paramref name="sourceMd5"/>:
/// the file's MD5 for the CLI, the source object's ETag for the Reconciler, compared as ETags.
/// </summary>
    public void RecordRejection(string key, string sourceMd5, string reason) => Update(key,
        () => new StateEntry(0, 0, sourceMd5, null, null, null, null, null, reason),
        e => e with { Md5 = e.Md5 ?? sourceMd5, Rejection = reason });

    /// <summary>The recorded rejection of <paramref name="key"/> while its source still has <paramref name="sourceMd5"/>, or null.</summary>
    public string? RejectionFor(string key, string? sourceMd5) =>
        Get(key) is { Rejection: { } reason, Md5: { } md5 } && sourceMd5 is not null && ETags.Same(md5, sourceMd5) ? reason : null;

    public void Forget(string key)
    {
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Exchange(ref _changed, 1);
        }
    }

    /// <summary>The remembered headers of a listed object, or null when they may have changed since.</summary>
    public ObjectHeaders? HeadersFor(StoredObject listed)
    {
        if (Get(listed.Key) is not { ETag: { } etag, ContentType: { } contentType, Metadata: { } metadata } entry
            || !ETags.Same(etag, listed.ETag))
        {
            return null;
        }

        if (entry.LastModified is null)
        {
            // Written by us; the first listing after the write supplies the LastModified to vouch for.
            _entries[listed.Key] = entry with { LastModified = listed.LastModified };
            Interlocked.Exchange(ref _changed, 1);
        }
        else if (entry.LastModified != listed.LastModified)
        {
            return null;
        }

        return new ObjectHeaders(contentType, entry.CacheControl, metadata);
    }

    private void Update(string key, Func<StateEntry> add, Func<StateEntry, StateEntry> update)
    {
        _entries.AddOrUpdate(key, _ => add(), (_, e) => update(e));
        Interlocked.Exchange(ref _changed, 1);
    }
}
