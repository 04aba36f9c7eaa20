using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Variants;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Variants;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The Variants role: a JPEG, PNG or GIF was created in the media bucket (by the worker, <c>aws s3 sync</c> or by
/// hand), so write its WebP variant; or it was removed, so remove the variant. <c>.webp</c> keys never qualify,
/// so the variant's own creation cannot loop.
/// </summary>
public sealed class VariantsEventHandler(VariantWriter writer, IOptions<OffloadOptions> options, ILogger<VariantsEventHandler> logger) : IS3EventHandler
{
    public const string EndpointPath = "/events/variants";

    private readonly string _mediaBucket = options.Value.MediaBucket;

    public string Path => EndpointPath;

    public bool Wants(string bucket, string key, string eventName) =>
        bucket == _mediaBucket
        && VariantKeys.IsSource(key)
        && (eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal) || eventName.StartsWith("ObjectRemoved:", StringComparison.Ordinal));

    public async Task<RecordOutcome> HandleAsync(S3NotificationRecord record, string bucket, string key, Invocation invocation, CancellationToken cancellationToken)
    {
        var result = record.EventName!.StartsWith("ObjectRemoved:", StringComparison.Ordinal)
            ? await writer.DeleteAsync(key, cancellationToken)
            : await writer.CreateAsync(key, cancellationToken);
        if (result.Failure is not null)
        {
            logger.LogWarning("No variant for {Key}: {Detail}: {Reason}", key, result.Detail, result.Failure);
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Failed, $"{result.Detail}: {result.Failure}");
        }

        return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Succeeded, result.Detail);
    }
}
