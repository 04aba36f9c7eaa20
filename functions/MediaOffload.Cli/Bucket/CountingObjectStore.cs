using MediaOffload.Core.Storage;

namespace MediaOffload.Cli.Bucket;

/// <summary>Counts the requests made through the port (a copy-in-place counts its follow-up HEAD too).</summary>
internal sealed class CountingObjectStore(IObjectStore inner, RequestCounter counter) : IObjectStore
{
    public Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        counter.Add(RequestKind.Head);
        return inner.HeadAsync(bucket, key, cancellationToken);
    }

    public Task<StoredObject> PutAsync(ObjectWrite write, Stream content, CancellationToken cancellationToken)
    {
        counter.Add(RequestKind.Put);
        return inner.PutAsync(write, content, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(bucket, key, cancellationToken);

    public IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        counter.Add(RequestKind.List);
        return inner.ListAsync(bucket, prefix, cancellationToken);
    }

    public Task<StoredObject> ReplaceHeadersAsync(ObjectHeaders headers, string bucket, string key, CancellationToken cancellationToken)
    {
        counter.Add(RequestKind.Copy);
        counter.Add(RequestKind.Head);
        return inner.ReplaceHeadersAsync(headers, bucket, key, cancellationToken);
    }

    public Task DeleteAsync(string bucket, string key, string? ifMatch, CancellationToken cancellationToken)
    {
        counter.Add(RequestKind.Delete);
        return inner.DeleteAsync(bucket, key, ifMatch, cancellationToken);
    }
}
