using System.Net;
using Amazon.S3;

namespace MediaOffload.Storage;

/// <summary>
/// Which S3 failures end a whole run: no later request can succeed either. Retries of the others are the SDK's own
/// (<see cref="S3StoreOptions.MaxRetries"/>), the one retry layer for S3 (docs/reconcile.md).
/// </summary>
public static class S3Errors
{
    /// <summary>True when no later request can succeed either: a missing bucket or refused credentials.</summary>
    public static bool IsFatal(Exception e, out bool usage)
    {
        var s3 = e as AmazonS3Exception ?? e.InnerException as AmazonS3Exception;
        usage = s3?.ErrorCode == "NoSuchBucket";
        return s3 is not null && (usage || s3.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" || s3.StatusCode == HttpStatusCode.Forbidden);
    }
}
