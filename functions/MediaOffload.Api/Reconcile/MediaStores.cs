using MediaOffload.Api.Configuration;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Storage;
using MediaOffload.Storage;
using Amazon.S3;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Reconcile;

/// <summary>
/// Stores for one run: the media bucket's counts every request (a run's report carries them, and a no-op run must
/// show only LISTs), and the control bucket's bookkeeping, which is not media and not counted.
/// </summary>
public sealed class MediaStores(IAmazonS3 s3, IObjectStore shared, LocalNotificationQueue notifier, IOptions<OffloadOptions> options)
{
    private readonly OffloadOptions _options = options.Value;

    /// <summary>The control bucket.</summary>
    public ControlBucket Control => new(shared, _options.ControlBucket);

    /// <summary>A store that counts into <paramref name="counter"/>; locally it still notifies, as S3 would.</summary>
    public IObjectStore Counted(RequestCounter counter)
    {
        var store = new S3ObjectStore(s3, _options.S3, counter);
        return _options.S3.IsLocal ? new NotifyingObjectStore(store, notifier, new S3StoreLimits(_options.S3.PartSizeBytes)) : store;
    }
}
