using System.Net;
using Amazon.S3;
using MediaOffload.Storage;

namespace MediaOffload.Cli.Bucket;

/// <summary>Classifies S3 failures: which end the run, which are the operator's to fix, which are worth a retry.</summary>
internal static class S3Errors
{
    /// <summary>The same wording as the Storage adapter, for the calls the CLI makes itself.</summary>
    public static Exception Translate(AmazonS3Exception e, string operation, string bucket, string key)
    {
        var what = string.IsNullOrEmpty(key) ? $"s3://{bucket}" : $"s3://{bucket}/{key}";
        var reason = e.ErrorCode switch
        {
            "NoSuchBucket" => $"bucket '{bucket}' does not exist",
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" => "the credentials were refused (check the access key and secret)",
            "AccessDenied" => "access denied (check the IAM policy)",
            _ when e.StatusCode == HttpStatusCode.Forbidden => "access denied (check the credentials and IAM policy)",
            _ => $"{e.ErrorCode ?? e.StatusCode.ToString()}: {e.Message}",
        };
        return new ObjectStoreException($"{operation} {what} failed: {reason}", e);
    }

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
