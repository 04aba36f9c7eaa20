using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.Storage;

namespace MediaOffload.Cli.Bucket;

/// <summary>
/// Sends single-part uploads straight through the SDK and everything else to the Storage adapter.
/// </summary>
/// <remarks>
/// <c>S3ObjectStore.PutAsync</c> returns its pooled buffer twice when a single-part PUT throws (once in
/// <c>PutSingleAsync</c>'s <c>finally</c>, once in <c>PutAsync</c>'s <c>catch</c>). After one cancelled or failed
/// upload, two later uploads can share a buffer and store each other's bytes. The CLI cancels uploads on Ctrl+C
/// and keeps going after failures, so it must not use that path until the adapter is fixed (see the report).
/// </remarks>
internal sealed class SinglePartPutStore(IObjectStore inner, IAmazonS3 s3, int partSizeBytes) : IObjectStore
{
    public async Task<StoredObject> PutAsync(ObjectWrite write, Stream content, CancellationToken cancellationToken)
    {
        if (!content.CanSeek || content.Length >= partSizeBytes)
        {
            return await inner.PutAsync(write, content, cancellationToken);
        }

        write.BeforeCommit?.Invoke();
        var request = new PutObjectRequest
        {
            BucketName = write.Bucket,
            Key = write.Key,
            InputStream = content,
            AutoCloseStream = false,
            ContentType = write.Headers.ContentType,
        };
        if (write.Headers.CacheControl is not null)
        {
            request.Headers.CacheControl = write.Headers.CacheControl;
        }

        foreach (var (name, value) in write.Headers.Metadata)
        {
            request.Metadata.Add(name, value);
        }

        if (write.ContentMd5 is not null)
        {
            request.MD5Digest = Convert.ToBase64String(Convert.FromHexString(write.ContentMd5));
        }

        try
        {
            var response = await s3.PutObjectAsync(request, cancellationToken);
            return new StoredObject(write.Bucket, write.Key, content.Length, response.ETag ?? string.Empty, DateTimeOffset.UtcNow, write.Headers);
        }
        catch (AmazonS3Exception e)
        {
            throw S3Errors.Translate(e, "PUT", write.Bucket, write.Key);
        }
    }

    public Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken) => inner.HeadAsync(bucket, key, cancellationToken);

    public Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken) => inner.OpenReadAsync(bucket, key, cancellationToken);

    public IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, CancellationToken cancellationToken) => inner.ListAsync(bucket, prefix, cancellationToken);

    public Task<StoredObject> ReplaceHeadersAsync(ObjectHeaders headers, string bucket, string key, CancellationToken cancellationToken) =>
        inner.ReplaceHeadersAsync(headers, bucket, key, cancellationToken);

    public Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken) => inner.DeleteAsync(bucket, key, cancellationToken);
}
