using MediaOffload.Api.Notifications;
using MediaOffload.Core.Storage;

namespace MediaOffload.Api.Notifications;

/// <summary>Decorates the store so each successful write publishes the notification S3 would have sent.</summary>
public sealed class NotifyingObjectStore(IObjectStore inner, LocalNotificationQueue notifier, S3StoreLimits limits) : IObjectStore
{
    public Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken) =>
        inner.HeadAsync(bucket, key, cancellationToken);

    public async Task<StoredObject> PutAsync(ObjectWrite write, Stream content, CancellationToken cancellationToken)
    {
        var stored = await inner.PutAsync(write, content, cancellationToken);
        var eventName = stored.Size >= limits.PartSizeBytes ? S3NotificationFactory.ObjectCreatedMultipart : S3NotificationFactory.ObjectCreatedPut;
        notifier.Publish(S3NotificationFactory.Record(eventName, write.Bucket, write.Key, stored.Size, stored.ETag));
        return stored;
    }

    public Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(bucket, key, cancellationToken);

    public IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, Listing? listing, CancellationToken cancellationToken) =>
        inner.ListAsync(bucket, prefix, listing, cancellationToken);

    public async Task<StoredObject> ReplaceHeadersAsync(ObjectHeaders headers, string bucket, string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var stored = await inner.ReplaceHeadersAsync(headers, bucket, key, ifMatch, cancellationToken);
        notifier.Publish(S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedCopy, bucket, key, stored.Size, stored.ETag));
        return stored;
    }

    public async Task DeleteAsync(string bucket, string key, string? ifMatch, CancellationToken cancellationToken)
    {
        await inner.DeleteAsync(bucket, key, ifMatch, cancellationToken);
        notifier.Publish(S3NotificationFactory.Record(S3NotificationFactory.ObjectRemovedDelete, bucket, key));
    }
}

/// <summary>The upload part size, which decides whether S3 would report a PUT or a multipart completion.</summary>
public sealed record S3StoreLimits(int PartSizeBytes);
