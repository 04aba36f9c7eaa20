using System.Globalization;

namespace MediaOffload.Api.Notifications;

/// <summary>Builds notifications of the shape S3 sends, for the local notifier and for tests.</summary>
public static class S3NotificationFactory
{
    public const string ObjectCreatedPut = "ObjectCreated:Put";
    public const string ObjectCreatedCopy = "ObjectCreated:Copy";
    public const string ObjectCreatedMultipart = "ObjectCreated:CompleteMultipartUpload";
    public const string ObjectRemovedDelete = "ObjectRemoved:Delete";

    /// <summary>One record for an object event; the key is encoded as S3 encodes it.</summary>
    public static S3NotificationRecord Record(string eventName, string bucket, string key, long size = 0, string? eTag = null, DateTimeOffset? at = null)
    {
        var time = at ?? DateTimeOffset.UtcNow;
        return new S3NotificationRecord(
            "2.1",
            "aws:s3",
            "us-east-1",
            time,
            eventName,
            new S3Entity(
                "1.0",
                "local-notifier",
                new S3BucketEntity(bucket, $"arn:aws:s3:::{bucket}"),
                new S3ObjectEntity(S3NotificationKeys.Encode(key), size, eTag?.Trim('"'), time.UtcTicks.ToString("X16", CultureInfo.InvariantCulture))));
    }
}
