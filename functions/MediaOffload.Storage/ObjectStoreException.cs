using System.Net;
using Amazon.S3;

namespace MediaOffload.Storage;

/// <summary>An S3 failure translated into words an operator can act on; the SDK exception is kept as the inner exception.</summary>
public sealed class ObjectStoreException(string message, Exception inner) : Exception(message, inner)
{
    /// <summary>Translates an SDK failure of <paramref name="operation"/> on a bucket and key into an operator's words.</summary>
    public static ObjectStoreException From(AmazonS3Exception e, string operation, string bucket, string key)
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
}
