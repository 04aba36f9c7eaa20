using System.Runtime.CompilerServices;
using MediaOffload.Core.Manifest;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Api.Reconcile;

/// <summary>Turns the plugin's manifest into the planner's sorted source listing.</summary>
public sealed class ManifestSource(ManifestClient client, UploadsLocations uploads)
{
    /// <summary>
    /// Every manifest file under <paramref name="prefix"/>, as a <see cref="SourceEntry"/> with its owner and URL. The
    /// plugin pages in ascending byte order of path, the order S3 lists keys in; the planner refuses anything else.
    /// Entries that break the path rules, lack an MD5 or name a URL that is not the uploads base plus their path come
    /// through as rejected, so they are reported and never uploaded.
    /// </summary>
    public async IAsyncEnumerable<SourceEntry> ReadAsync(string site, string prefix, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var file in client.ReadAllAsync(site, null, pageSize, cancellationToken))
        {
            var raw = file.Path ?? string.Empty;
            if (!MediaPath.TryParse(raw, out var path, out var error))
            {
                if (raw.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return SourceEntry.Rejected(raw, error, file.Size ?? 0);
                }

                continue;
            }

            if (!path.Value.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (file.Md5 is not { Length: 32 } md5 || file.Size is not { } size)
            {
                yield return SourceEntry.Rejected(path.Value, "manifest lists no size or MD5", file.Size ?? 0);
                continue;
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
                yield return SourceEntry.Rejected(path.Value, $"manifest url {urlError}", size);
                continue;
            }

            yield return new SourceEntry(path.Value, size, md5.ToLowerInvariant(), file.Modified ?? DateTimeOffset.UnixEpoch)
            {
                Owner = KeyOwner.For(file.AttachmentId, onDisk),
                Url = url,
            };
        }
    }
}
