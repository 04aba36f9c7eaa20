using System.Runtime.CompilerServices;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;

namespace MediaOffload.Api.Reconcile;

/// <summary>
/// The plugin's manifest as the planner's sorted source listing, read page by page from a cursor. It remembers where
/// each page ended, so a run that stops can name the cursor to resume at (<see cref="CursorAfter"/>) instead of
/// reading the manifest from its start again.
/// </summary>
/// <param name="excluded">Uploads-relative prefixes of other sites' key spaces inside this run's (docs/status.md): listed there, a file is rejected.</param>
public sealed class ManifestSource(ManifestClient client, UploadsLocations uploads, PlannerOptions planner, string site, string prefix, IReadOnlyList<string> excluded, int pageSize)
{
    private readonly List<(string LastKey, string? Next)> _pages = [];
    private string? _startCursor;

    /// <summary>
    /// Every manifest file under the run's prefix from <paramref name="cursor"/> on, as a <see cref="SourceEntry"/> with
    /// its owner and URL. The plugin pages in ascending byte order of path, the order S3 lists keys in; the planner
    /// refuses anything else. Entries that break the path rules, lack an MD5 or name a URL that is not the uploads
    /// base plus their path come through as rejected, so they are reported and never uploaded.
    /// </summary>
    /// <exception cref="SourceUnavailableException">A page could not be read; what came before it stands.</exception>
    public async IAsyncEnumerable<SourceEntry> ReadAsync(string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _startCursor = cursor;
        do
        {
            Core.Manifest.ManifestPage page;
            try
            {
                page = await client.GetPageAsync(site, cursor, pageSize, cancellationToken);
            }
            catch (OffloadFailure e)
            {
                throw new SourceUnavailableException(e.Message, e);
            }

            var files = page.Files ?? [];
            foreach (var file in files)
            {
                if (ToEntry(file) is { } entry)
                {
                    yield return entry;
                }
            }

            if (files.Count > 0)
            {
                var last = files[^1].Path ?? string.Empty;
                _pages.Add((planner.KeyFor(MediaPath.TryParse(last, out var p, out _) ? p.Value : last), page.NextCursor));
            }

            cursor = page.NextCursor;
        }
        while (!string.IsNullOrEmpty(cursor));
    }

    /// <summary>The cursor of the first page that still holds a key after <paramref name="after"/>.</summary>
    public string? CursorAfter(string after)
    {
        var cursor = _startCursor;
        foreach (var (lastKey, next) in _pages)
        {
            if (KeyOrder.Before(after, lastKey))
            {
                break;
            }

            cursor = next;
        }

        return cursor;
    }

    private SourceEntry? ToEntry(Core.Manifest.ManifestFile file)
    {
        var raw = file.Path ?? string.Empty;
        if (!MediaPath.TryParse(raw, out var path, out var error))
        {
            return raw.StartsWith(prefix, StringComparison.Ordinal) ? SourceEntry.Rejected(raw, error, file.Size ?? 0) : null;
        }

        if (!path.Value.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        if (excluded.FirstOrDefault(e => path.Value.StartsWith(e, StringComparison.Ordinal)) is { } other)
        {
            return SourceEntry.Rejected(path.Value, $"in another site's key space ({other}); this site's manifest may not list it", file.Size ?? 0);
        }

        if (file.Md5 is not { Length: 32 } md5 || file.Size is not { } size)
        {
            return SourceEntry.Rejected(path.Value, "manifest lists no size or MD5", file.Size ?? 0);
        }

        // The URL names the file as it is on disk; a plugin too old to send it has only the NFC path to offer.
        var onDisk = path.Value;
        var url = file.Url;
        if (url is null)
        {
            url = uploads.FileUrl(site, path.Value);
        }
        else if (uploads.CheckFileUrl(url, path, out onDisk) is { } urlError)
        {
            return SourceEntry.Rejected(path.Value, $"manifest url {urlError}", size);
        }

        return new SourceEntry(path.Value, size, md5.ToLowerInvariant(), file.Modified ?? DateTimeOffset.UnixEpoch)
        {
            Owner = KeyOwner.For(file.AttachmentId, onDisk),
            Url = url,
            RemoteOnly = file.RemoteOnly == true,
        };
    }
}
