using System.Net;
using Amazon.S3;

namespace MediaOffload.Storage;

/// <summary>
/// An S3 failure translated into words an operator can act on; the SDK exception is kept as the inner exception.
/// <see cref="Exception.Message"/> names the bucket and key, for logs; <see cref="Reason"/> does not, and neither
/// does it carry the SDK's own message (which can name the account and role), so it may go into a response.
/// </summary>
public sealed class ObjectStoreException : Exception
{
    private ObjectStoreException(string operation, string reason, string detail, string where, Exception inner)
        : base($"{operation} {where} failed: {detail}", inner)
    {
        Operation = operation;
        Reason = reason;
    }

    /// <summary>The request that failed: HEAD, PUT, GET, LIST, COPY or DELETE.</summary>
    public string Operation { get; }

    /// <summary>What went wrong, without bucket, key, account or role names.</summary>
    public string Reason { get; }

    /// <summary>A description safe for a response body: the operation and the reason.</summary>
    public string SafeText => $"storage {Operation} failed: {Reason}";

    /// <summary>Translates an SDK failure of <paramref name="operation"/> on a bucket and key into an operator's words.</summary>
    public static ObjectStoreException From(AmazonS3Exception e, string operation, string bucket, string key)
    {
        var reason = e.ErrorCode switch
        {
            "NoSuchBucket" => "the bucket does not exist",
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" => "the credentials were refused (check the access key and secret)",
            "AccessDenied" => "access denied (check the IAM policy)",
            _ when e.StatusCode == HttpStatusCode.Forbidden => "access denied (check the credentials and IAM policy)",
            _ => $"{e.ErrorCode ?? "error"} (HTTP {(int)e.StatusCode})",
        };
        var detail = e.ErrorCode == "NoSuchBucket" ? $"bucket '{bucket}' does not exist" : reason;
        return new ObjectStoreException(operation, reason, detail, Where(bucket, key), e);
    }

    /// <summary>A failure the adapter itself detected, such as stored bytes that are not the bytes sent.</summary>
    public static ObjectStoreException Detected(string operation, string reason, string bucket, string key, Exception? inner = null) =>
        new(operation, reason, reason, Where(bucket, key), inner ?? new InvalidOperationException(reason));

    private static string Where(string bucket, string key) => string.IsNullOrEmpty(key) ? $"s3://{bucket}" : $"s3://{bucket}/{key}";
}
