using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Variants;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Variants;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The Variants role: a JPEG, PNG, GIF or AVIF original was created in the media bucket (by the worker,
/// <c>aws s3 sync</c> or by hand), so write its variants; or it was removed, so remove them. Variant keys never
/// qualify (<see cref="VariantKeys.TryGetSourceKind"/>), so a variant's own creation cannot loop.
/// </summary>
public sealed class VariantsEventHandler(VariantWriter writer, IOptions<OffloadOptions> options, ILogger<VariantsEventHandler> logger) : IS3EventHandler
{
    public const string EndpointPath = "/events/variants";

    private readonly string _mediaBucket = options.Value.MediaBucket;

    public string Path => EndpointPath;

    public bool Wants(string bucket, string key, string eventName) =>
        bucket == _mediaBucket
        // An AVIF original is a source too, but its events are not wanted: the template's suffix filters cannot tell
        // photo.avif from our photo.jpg.avif, so no .avif key triggers Variants, and the reconcile makes its WebP
        // (docs/keys.md, "Variants"). The local notifier follows the same rule here.
        && VariantKeys.TryGetSourceKind(key, out var kind) && kind != SourceImageKind.Avif
        && (eventName.StartsWith("ObjectCreated:", StringComparison.Ordinal) || eventName.StartsWith("ObjectRemoved:", StringComparison.Ordinal));

    public async Task<RecordOutcome> HandleAsync(S3NotificationRecord record, string bucket, string key, Invocation invocation, CancellationToken cancellationToken)
    {
        var results = record.EventName!.StartsWith("ObjectRemoved:", StringComparison.Ordinal)
            ? await writer.DeleteAllAsync(key, cancellationToken)
            : await writer.CreateAllAsync(key, cancellationToken);
        var detail = string.Join("; ", results.Select(r => $"{r.Target.Name()}: {r.Result.Detail}{(r.Result.Failure is null ? null : $": {r.Result.Failure}")}"));
        if (results.Any(r => r.Result.Failure is not null))
        {
            logger.LogWarning("Variants of {Key} not all made: {Detail}", key, detail);
            return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Failed, detail);
        }

        return new RecordOutcome(bucket, key, record.EventName, RecordStatus.Succeeded, detail);
    }
}
