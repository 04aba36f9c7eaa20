using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Api.Configuration;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.RemoteCopies;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.RemoteCopies;

/// <summary>
/// What the media bucket says about files whose local copies the plugin removes or brings back (docs/remote-only.md):
/// asked at the time of each removal, never answered from memory.
/// </summary>
public sealed class RemoteCopyService(IObjectStore store, IAmazonS3 s3, IOptions<OffloadOptions> options, TimeProvider clock)
{
    /// <summary>How long a restore link stays valid: long enough to start the download, short enough to leak little.</summary>
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(5);

    private readonly OffloadOptions _options = options.Value;

    /// <summary>A verdict per file, all refused when the bucket is not versioned.</summary>
    public async Task<RemovalCheckAnswer> CheckAsync(IReadOnlyList<RemoteCopyFile> files, CancellationToken cancellationToken)
    {
        var versioned = await IsVersionedAsync(cancellationToken);
        var verdicts = await Task.WhenAll(files.Select(async file =>
        {
            // No HEAD is spent on a bucket that refuses every file anyway.
            var obj = versioned ? await store.HeadAsync(_options.MediaBucket, file.Key, cancellationToken) : null;
            var why = RemoteCopyRules.WhyNotRemovable(file, obj, versioned);
            return new RemovalVerdict(file.Path, file.Key, why is null, why);
        }));
        return new RemovalCheckAnswer(versioned, verdicts);
    }

    /// <summary>A presigned download link per file that has an object, with the object's size and MD5.</summary>
    public async Task<RestoreAnswer> LinksAsync(IReadOnlyList<RemoteCopyFile> files, CancellationToken cancellationToken)
    {
        var links = await Task.WhenAll(files.Select(async file =>
        {
            if (await store.HeadAsync(_options.MediaBucket, file.Key, cancellationToken) is not { } obj)
            {
                return new RestoreLink(file.Path, file.Key, Found: false);
            }

            var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
            {
                BucketName = _options.MediaBucket,
                Key = file.Key,
                Verb = HttpVerb.GET,
                Expires = clock.GetUtcNow().Add(LinkLifetime).UtcDateTime,
                // The SDK presigns https unless told; a local emulator listens on plain http.
                Protocol = _options.S3.ServiceUrl?.StartsWith("http:", StringComparison.OrdinalIgnoreCase) == true ? Protocol.HTTP : Protocol.HTTPS,
            });
            return new RestoreLink(file.Path, file.Key, Found: true, obj.Size, ETags.ContentMd5(obj), url, (int)LinkLifetime.TotalSeconds);
        }));
        return new RestoreAnswer(links);
    }

    private async Task<bool> IsVersionedAsync(CancellationToken cancellationToken)
    {
        var answer = await s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = _options.MediaBucket }, cancellationToken);
        return answer.VersioningConfig?.Status == VersionStatus.Enabled;
    }
}
