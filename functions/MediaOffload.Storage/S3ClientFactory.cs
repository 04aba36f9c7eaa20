using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace MediaOffload.Storage;

/// <summary>Builds an <see cref="IAmazonS3"/> that works against AWS and against third-party S3 servers alike.</summary>
public static class S3ClientFactory
{
    public static IAmazonS3 Create(S3StoreOptions options, AWSCredentials? credentials = null)
    {
        var config = new AmazonS3Config
        {
            // The SDK's default CRC32 trailing checksums use aws-chunked uploads that emulators and older
            // S3-compatible servers reject; we verify MD5 ourselves and send Content-MD5 where we know it.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = options.RequestTimeout,
            MaxErrorRetry = options.MaxRetries,
            RetryMode = RequestRetryMode.Standard,
        };

        if (options.IsLocal)
        {
            config.ServiceURL = options.ServiceUrl;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = options.Region;
            // An emulator accepts any key; real ones come from the environment when present.
            credentials ??= LocalCredentials();
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private static AWSCredentials LocalCredentials()
    {
        var id = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        return !string.IsNullOrEmpty(id) && !string.IsNullOrEmpty(secret)
            ? new BasicAWSCredentials(id, secret)
            : new BasicAWSCredentials("local", "local");
    }
}
