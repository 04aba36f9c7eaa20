using System.Text.Json.Serialization;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The parts of the S3 event notification schema (version 2.x) the handlers read. Our own records, because
/// Amazon.Lambda.S3Events is not available in the package mirror this project builds from.
/// </summary>
public sealed record S3Notification([property: JsonPropertyName("Records")] IReadOnlyList<S3NotificationRecord>? Records);

public sealed record S3NotificationRecord(
    [property: JsonPropertyName("eventVersion")] string? EventVersion,
    [property: JsonPropertyName("eventSource")] string? EventSource,
    [property: JsonPropertyName("awsRegion")] string? AwsRegion,
    [property: JsonPropertyName("eventTime")] DateTimeOffset? EventTime,
    [property: JsonPropertyName("eventName")] string? EventName,
    [property: JsonPropertyName("s3")] S3Entity? S3);

public sealed record S3Entity(
    [property: JsonPropertyName("s3SchemaVersion")] string? SchemaVersion,
    [property: JsonPropertyName("configurationId")] string? ConfigurationId,
    [property: JsonPropertyName("bucket")] S3BucketEntity? Bucket,
    [property: JsonPropertyName("object")] S3ObjectEntity? Object);

public sealed record S3BucketEntity(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("arn")] string? Arn);

public sealed record S3ObjectEntity(
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("eTag")] string? ETag,
    [property: JsonPropertyName("sequencer")] string? Sequencer);
