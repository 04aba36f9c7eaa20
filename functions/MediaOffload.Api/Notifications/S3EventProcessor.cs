using System.Text.Json;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// Parses an S3 notification and hands every record (never just the first) to a handler. The event endpoints and
/// the local notifier both come through here, so a local run exercises the production path.
/// </summary>
public sealed class S3EventProcessor(ILogger<S3EventProcessor> logger)
{
    /// <summary>The outcomes, or null when the body is not an S3 notification at all.</summary>
    public async Task<EventResponse?> ProcessAsync(IS3EventHandler handler, ReadOnlyMemory<byte> body, Invocation invocation, CancellationToken cancellationToken)
    {
        S3Notification? notification;
        try
        {
            notification = S3Notification.FromJson(body.Span);
        }
        catch (JsonException e)
        {
            logger.LogWarning("Unrecognised event on {Path}: not JSON ({Error})", handler.Path, e.Message);
            return null;
        }

        if (notification?.Records is not { } records)
        {
            logger.LogWarning("Unrecognised event on {Path}: no Records array", handler.Path);
            return null;
        }

        var outcomes = new List<RecordOutcome>(records.Count);
        foreach (var record in records)
        {
            outcomes.Add(await HandleRecordAsync(handler, record, invocation, cancellationToken));
        }

        return new EventResponse(outcomes);
    }

    private async Task<RecordOutcome> HandleRecordAsync(IS3EventHandler handler, S3NotificationRecord? record, Invocation invocation, CancellationToken cancellationToken)
    {
        var bucket = record?.S3?.Bucket?.Name;
        var rawKey = record?.S3?.Object?.Key;
        var eventName = record?.EventName;
        if (record is null || string.IsNullOrEmpty(bucket) || string.IsNullOrEmpty(rawKey) || string.IsNullOrEmpty(eventName))
        {
            logger.LogWarning("Record without bucket, key or eventName on {Path}", handler.Path);
            return new RecordOutcome(bucket, rawKey, eventName, RecordStatus.Failed, "record lacks s3.bucket.name, s3.object.key or eventName");
        }

        var key = S3NotificationKeys.Decode(rawKey);
        if (!handler.Wants(bucket, key, eventName))
        {
            return new RecordOutcome(bucket, key, eventName, RecordStatus.Ignored, "not an object this function handles");
        }

        try
        {
            return await handler.HandleAsync(record, bucket, key, invocation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The response goes back to Lambda and its on-failure destination: the exception's message, which can
            // name buckets, accounts and roles, stays in the log (docs/decisions.md).
            logger.LogError(e, "Record {Bucket}/{Key} failed on {Path}", bucket, key, handler.Path);
            return new RecordOutcome(bucket, key, eventName, RecordStatus.Failed, FailureText.For(e));
        }
    }
}
