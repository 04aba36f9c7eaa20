using System.Net;
using Amazon.S3;
using MediaOffload.Storage;

namespace MediaOffload.Cli.Bucket;

/// <summary>Classifies S3 failures: which end the run, which are the operator's to fix, which are worth a retry.</summary>
internal static class S3Errors
{
    /// <summary>True when no later request can succeed either: a missing bucket or refused credentials.</summary>
    public static bool IsFatal(Exception e, out bool usage)
    {
        var s3 = e as AmazonS3Exception ?? e.InnerException as AmazonS3Exception;
        usage = s3?.ErrorCode == "NoSuchBucket";
        return s3 is not null && (usage || s3.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AccessDenied" || s3.StatusCode == HttpStatusCode.Forbidden);
    }

    /// <summary>True for failures a later attempt may not meet: 5xx, throttling, timeouts and broken connections.</summary>
    public static bool IsTransient(Exception e)
    {
        var inner = e as AmazonS3Exception ?? e.InnerException as AmazonS3Exception;
        if (inner is not null)
        {
            return (int)inner.StatusCode >= 500 || inner.ErrorCode is "SlowDown" or "RequestTimeout" or "Throttling";
        }

        return e is HttpRequestException or TimeoutException
            || (e is IOException && e is not FileNotFoundException and not DirectoryNotFoundException);
    }

}
