namespace MediaOffload.Storage;

/// <summary>How the service reaches S3 (configuration section <c>Offload:S3</c>).</summary>
public sealed class S3StoreOptions
{
    /// <summary>
    /// A local S3 endpoint such as <c>http://127.0.0.1:5000</c> (moto_server). Empty on AWS, where the region's
    /// endpoint is used. When set, path-style addressing is used and the in-process notifier is turned on.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The AWS region. Default: <c>AWS_REGION</c> from the environment, else <c>us-east-1</c>.</summary>
    public string Region { get; set; } = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";

    /// <summary>Part size for multipart uploads, and the size above which uploads go in parts. Default 8 MiB (S3 minimum 5 MiB).</summary>
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Parts of one upload in flight at once; memory use is about this times <see cref="PartSizeBytes"/>. Default 4.</summary>
    public int MaxConcurrentParts { get; set; } = 4;

    /// <summary>Timeout of one S3 request. Default 60 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of a failed S3 request, with the SDK's standard backoff. Default 4.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>
    /// Whether the service emulates S3 event notifications for its own writes when <see cref="ServiceUrl"/> is set.
    /// Default true. Turn it off under <c>sam local invoke</c>, where each function is invoked on its own.
    /// </summary>
    public bool EmulateNotifications { get; set; } = true;

    /// <summary>
    /// Whether a single-part PUT whose returned ETag is not the MD5 that was sent fails (and its object is removed).
    /// Default true: on AWS and most S3-compatible servers the ETag of a plain or SSE-S3 object is its MD5, and a
    /// server that ignores <c>Content-MD5</c> would otherwise keep corrupted bytes silently. SSE-KMS objects, whose
    /// ETag is not an MD5, are never compared. Turn it off only for a server whose ETags are never MD5s.
    /// </summary>
    public bool VerifyETag { get; set; } = true;

    /// <summary>Whether <see cref="ServiceUrl"/> is set, i.e. the service talks to a local emulator.</summary>
    public bool IsLocal => !string.IsNullOrWhiteSpace(ServiceUrl);
}
