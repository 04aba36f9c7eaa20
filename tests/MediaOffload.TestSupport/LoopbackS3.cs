using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MediaOffload.TestSupport;

/// <summary>What every local S3 server the tests start shares: how a client reaches it, and a fresh bucket.</summary>
internal static class LoopbackS3
{
    /// <summary>A path-style client for <paramref name="endpoint"/>, with the same checksum settings the service uses.</summary>
    public static IAmazonS3 Client(string endpoint, AWSCredentials credentials) => new AmazonS3Client(credentials, new AmazonS3Config
    {
        ServiceURL = endpoint,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>Creates a bucket named <paramref name="label"/> plus a unique suffix (at most 63 characters) and returns the name.</summary>
    public static async Task<string> CreateBucketAsync(IAmazonS3 client, string label)
    {
        var name = $"{label}-{Guid.NewGuid():N}"[..Math.Min(label.Length + 33, 63)].ToLowerInvariant();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = name });
        return name;
    }
}
