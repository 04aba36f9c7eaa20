using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Api.Json;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The parts of the S3 event notification schema (version 2.x) the handlers read. Our own records, because
/// Amazon.Lambda.S3Events is not available in the package mirror this project builds from.
/// </summary>
public sealed record S3Notification([property: JsonPropertyName("Records")] IReadOnlyList<S3NotificationRecord>? Records)
{
    /// <summary>The notification as S3 sends it.</summary>
    public static byte[] ToJson(S3Notification notification) => JsonSerializer.SerializeToUtf8Bytes(notification, ApiJsonContext.Default.S3Notification);

    /// <summary>Reads a notification; throws <see cref="JsonException"/> on bad JSON.</summary>
    public static S3Notification? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, ApiJsonContext.Default.S3Notification);
}

public sealed record S3NotificationRecord(
    string? EventVersion,
    string? EventSource,
    string? AwsRegion,
    DateTimeOffset? EventTime,
    string? EventName,
    S3Entity? S3);

public sealed record S3Entity(
    [property: JsonPropertyName("s3SchemaVersion")] string? SchemaVersion,
    string? ConfigurationId,
    S3BucketEntity? Bucket,
    S3ObjectEntity? Object);

public sealed record S3BucketEntity(string? Name, string? Arn);

public sealed record S3ObjectEntity(string? Key, long? Size, string? ETag, string? Sequencer);
