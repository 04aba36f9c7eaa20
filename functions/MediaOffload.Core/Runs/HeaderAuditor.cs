using System.Runtime.CompilerServices;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Runs;

/// <summary>
/// Attaches headers to listed objects, in listing order: from <see cref="SyncState"/> when the object is
/// unchanged since they were seen, else with a HEAD. With <c>all</c> every object is HEADed (verify).
/// </summary>
public sealed class HeaderAuditor(IObjectStore store, SyncState state, bool all, int parallelism)
{
    public IAsyncEnumerable<StoredObject> AuditAsync(IAsyncEnumerable<StoredObject> listing, CancellationToken cancellationToken) =>
        OrderedParallel.SelectAsync(listing, EnrichAsync, parallelism, cancellationToken);

    private async ValueTask<StoredObject> EnrichAsync(StoredObject listed, CancellationToken cancellationToken)
    {
        if (!all && state.HeadersFor(listed) is { } cached)
        {
            return listed with { Headers = cached };
        }

        var head = await store.HeadAsync(listed.Bucket, listed.Key, cancellationToken);
        if (head?.Headers is null || !ETags.Same(head.ETag, listed.ETag))
        {
            // Gone or rewritten since the listing: plan on what was listed; the next run sees the new version.
            return listed;
        }

        state.RecordObject(listed.Key, listed.ETag, listed.LastModified, head.Headers);
        return listed with { Headers = head.Headers };
    }
}
