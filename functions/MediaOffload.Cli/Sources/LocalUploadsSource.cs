using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Cli.Sources;

/// <summary>
/// Walks a WordPress uploads folder in S3 key order, applying the offload worker's rules: MediaPath, the
/// extension allowlist and the magic bytes. Files that fail are yielded as rejected entries, never dropped.
/// </summary>
/// <remarks>
/// Each directory is sorted on its own, with directory names compared as <c>name/</c>: a depth-first walk then
/// yields paths in full-key UTF-8 order without holding the whole tree, because every key under <c>d/</c> shares
/// that prefix. MD5s are computed in parallel but yielded in order, and reused from <see cref="SyncState"/>
/// while a file's size and mtime are unchanged.
/// </remarks>
internal sealed class LocalUploadsSource(LocalFiles files, SyncState state, PlannerOptions planner, int parallelism)
{
    private static readonly string[] Hidden = [".media-offload"];

    public async IAsyncEnumerable<SourceEntry> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var found = Walk([(files.Root, string.Empty)], string.Empty);
        if (planner.Resume?.After is { } after)
        {
            // A resumed run has finished everything up to its checkpoint: those files are not hashed again.
            found = found.Where(f => KeyOrder.Before(after, planner.KeyFor(f.Path)));
        }

        await foreach (var entry in OrderedParallel.SelectAsync(found, Inspect, parallelism, cancellationToken))
        {
            yield return entry;
        }
    }

    /// <summary>A file found by the walk, or several whose names on disk share one NFC key (docs/keys.md).</summary>
    private sealed record Found(string Path, FileSystemInfo? Info, string? OnDisk, IReadOnlyList<string>? Colliding = null);

    /// <summary>
    /// Walks the directories that share one NFC path (usually one; two when a folder exists in NFC and NFD) as one,
    /// so their children come out in key order and two names with one key meet, to be reported together.
    /// </summary>
    private async IAsyncEnumerable<Found> Walk(IReadOnlyList<(string FullPath, string RawRelative)> directories, string relative)
    {
        var entries = directories
            .SelectMany(d => new DirectoryInfo(d.FullPath).EnumerateFileSystemInfos("*", new EnumerationOptions
            {
                RecurseSubdirectories = false,
                IgnoreInaccessible = false,
                AttributesToSkip = 0,
                ReturnSpecialDirectories = false,
            }).Select(e => (Info: e, Raw: d.RawRelative.Length == 0 ? e.Name : $"{d.RawRelative}/{e.Name}")))
            .Where(e => (relative.Length > 0 || !Hidden.Contains(e.Info.Name)) && !RemoteOnlyMarker.IsMarkerName(e.Info.Name))
            .Select(e => (e.Info, e.Raw, Name: e.Info.Name.Normalize(NormalizationForm.FormC), IsDir: IsDirectory(e.Info)))
            .GroupBy(e => e.IsDir ? e.Name + "/" : e.Name)
            .OrderBy(g => g.Key, KeyOrder.Utf8)
            .ToList();

        foreach (var group in entries)
        {
            var first = group.First();
            var path = relative.Length == 0 ? first.Name : $"{relative}/{first.Name}";
            if (first.IsDir)
            {
                await foreach (var child in Walk(group.Select(g => (g.Info.FullName, g.Raw)).ToList(), path))
                {
                    yield return child;
                }
            }
            else if (group.Count() > 1)
            {
                yield return new Found(path, null, null, group.Select(g => g.Raw).Order(StringComparer.Ordinal).ToList());
            }
            else
            {
                files.Remember(path, first.Raw);
                yield return new Found(path, first.Info, first.Raw);
            }
        }
    }

    /// <summary>A name as a report may print it: decomposed accents are spelled out, so the two names of a pair differ visibly.</summary>
    private static string Escape(string name) =>
        string.Concat(name.Select(c => c < 0x80 && !char.IsControl(c) ? c.ToString() : c is >= '\u0300' and <= '\u036F' ? $"\\u{(int)c:X4}" : c.ToString()));

    // Symlinked directories are not followed: WordPress never makes them, and a loop would never end.
    private static bool IsDirectory(FileSystemInfo e) => e is DirectoryInfo && e.LinkTarget is null;

    private async ValueTask<SourceEntry> Inspect(Found file, CancellationToken cancellationToken)
    {
        var relative = file.Path;
        if (file.Colliding is { } names)
        {
            var all = names.Count == 2 ? "both" : "all";
            return SourceEntry.Contested(relative,
                $"{string.Join(" and ", names.Select(n => $"'{Escape(n)}'"))} on disk {all} map to this key; {all} are skipped and the object, if any, is left alone (docs/keys.md)");
        }

        var info = file.Info!;
        if (!MediaPath.TryParse(relative, out var path, out var pathError))
        {
            return SourceEntry.Rejected(relative, pathError);
        }

        var owner = KeyOwner.For(null, file.OnDisk!);

        if (info is DirectoryInfo)
        {
            return SourceEntry.Rejected(path.Value, "symbolic link to a directory");
        }

        var type = MediaTypes.ForExtension(path.Extension);
        if (type is null)
        {
            return SourceEntry.Rejected(path.Value, path.Extension.Length == 0 ? "no file extension" : $"type .{path.Extension} may not be offloaded");
        }

        FileInfo fi;
        try
        {
            fi = new FileInfo(info.FullName);
            fi.Refresh();
            if (!fi.Exists)
            {
                return SourceEntry.Rejected(path.Value, "file vanished before it was read");
            }

            // FIFOs, sockets and devices always stat as zero bytes, and opening a FIFO blocks until a writer
            // comes; an empty file may not be offloaded either, so a zero length is refused before any open.
            if (fi.Length == 0)
            {
                return SourceEntry.Rejected(path.Value, "file is empty (or a FIFO, socket or device)");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return SourceEntry.Rejected(path.Value, $"cannot stat: {e.Message}");
        }

        var modified = new DateTimeOffset(fi.LastWriteTimeUtc, TimeSpan.Zero);
        var cached = state.Get(planner.KeyFor(path.Value));
        if (cached is { Md5: not null } known && known.Size == fi.Length && known.MtimeTicks == fi.LastWriteTimeUtc.Ticks)
        {
            // Only files that passed the magic-byte check get an MD5 recorded; unchanged size and mtime mean
            // unchanged bytes, so a no-op run opens no file at all.
            return new SourceEntry(path.Value, fi.Length, known.Md5, modified) { Owner = owner };
        }

        try
        {
            var head = new byte[Signature.HeadLength];
            string md5;
            int headLength;
            await using (var stream = new FileStream(fi.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan))
            {
                headLength = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
                if (MediaTypes.CheckContent(type, head.AsMemory(0, headLength)) is { } mismatch)
                {
                    return SourceEntry.Rejected(path.Value, mismatch, fi.Length);
                }

                if (cached is { Md5: not null } c && c.Size == fi.Length && c.MtimeTicks == fi.LastWriteTimeUtc.Ticks)
                {
                    md5 = c.Md5;
                }
                else
                {
                    stream.Position = 0;
                    md5 = Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken));
                    state.RecordLocal(planner.KeyFor(path.Value), fi.Length, fi.LastWriteTimeUtc.Ticks, md5);
                }
            }

            return new SourceEntry(path.Value, fi.Length, md5, modified) { Owner = owner };
        }
        catch (FileNotFoundException)
        {
            return SourceEntry.Rejected(path.Value, "file vanished before it was read");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return SourceEntry.Rejected(path.Value, $"unreadable: {e.Message}");
        }
    }
}
