using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Runtime.ExceptionServices;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.Storage;

namespace MediaOffload.Storage;

/// <summary>The <see cref="IObjectStore"/> port over <see cref="IAmazonS3"/>.</summary>
/// <param name="counter">Counts every request made, for a run's report. Default none.</param>
public sealed class S3ObjectStore(IAmazonS3 s3, S3StoreOptions options, RequestCounter? counter = null) : IObjectStore
{
    private const string MetaPrefix = "x-amz-meta-";
    private readonly ConcurrentDictionary<string, byte> _knownBuckets = new(StringComparer.Ordinal);

    public async Task<StoredObject?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        counter?.Add(RequestKind.Head);
        try
        {
            var r = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken);
            var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in r.Metadata.Keys)
            {
                var bare = name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase) ? name[MetaPrefix.Length..] : name;
                metadata[bare] = r.Metadata[name];
            }

            var headers = new ObjectHeaders(r.Headers.ContentType ?? "binary/octet-stream", r.Headers.CacheControl, metadata);
            return new StoredObject(bucket, key, r.ContentLength, r.ETag ?? string.Empty, ToOffset(r.LastModified), headers);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // A HEAD response has no body, so a missing key and a missing bucket both arrive as a bare 404.
            await EnsureBucketExistsAsync(bucket, key, cancellationToken);
            return null;
        }
        catch (AmazonS3Exception e)
        {
            // S3 answers a HEAD of a missing key with 403 unless s3:ListBucket is granted without conditions, and the
            // template scopes it to the media prefix (docs/deploy.md). A listing under the key itself tells the two apart.
            if (e.StatusCode == HttpStatusCode.Forbidden && await IsMissingAsync(bucket, key, cancellationToken))
            {
                return null;
            }

            throw ObjectStoreException.From(e, "HEAD", bucket, key);
        }
    }

    /// <summary>True when a listing under <paramref name="key"/> is allowed and shows no such key.</summary>
    private async Task<bool> IsMissingAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        counter?.Add(RequestKind.List);
        try
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = key, MaxKeys = 1 }, cancellationToken);
            return page.S3Objects is not { Count: > 0 } objects || objects[0].Key != key;
        }
        catch (AmazonS3Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Throws <see cref="ObjectStoreException"/> when <paramref name="bucket"/> does not exist. A bucket seen once is
    /// not asked about again, so a run of missing keys costs one extra request, not one per key.
    /// </summary>
    private async Task EnsureBucketExistsAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        if (_knownBuckets.ContainsKey(bucket))
        {
            return;
        }

        counter?.Add(RequestKind.List);
        try
        {
            // A 404 for a key means the caller may list the bucket, so this needs no extra permission.
            await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = key, MaxKeys = 1 }, cancellationToken);
        }
        catch (AmazonS3Exception e)
        {
            throw ObjectStoreException.From(e, "HEAD", bucket, key);
        }

        _knownBuckets.TryAdd(bucket, 0);
    }

    public async Task<StoredObject> PutAsync(ObjectWrite write, Stream content, CancellationToken cancellationToken)
    {
        counter?.Add(RequestKind.Put);
        var partSize = options.PartSizeBytes;
        var first = ArrayPool<byte>.Shared.Rent(partSize);
        int length;
        try
        {
            length = await ReadFullAsync(content, first, partSize, cancellationToken);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(first);
            throw;
        }

        // Ownership of the first buffer passes to the single or multipart upload, which returns it to the pool.
        // Returning it here as well would let two later uploads rent the same array.
        return length < partSize
            ? await PutSingleAsync(write, first, length, cancellationToken)
            : await PutMultipartAsync(write, content, first, cancellationToken);
    }

    private async Task<StoredObject> PutSingleAsync(ObjectWrite write, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            write.BeforeCommit?.Invoke();
            var request = new PutObjectRequest
            {
                BucketName = write.Bucket,
                Key = write.Key,
                InputStream = new MemoryStream(buffer, 0, length, writable: false),
                AutoCloseStream = false,
                // A plain signed body, not aws-chunked: servers that do not decode aws-chunked (s3rver) store the
                // chunk framing as the object. The body is in memory, so hashing it up front costs no extra read.
                // See docs/benchmarks-sync.md, "S3-compatible servers".
                UseChunkEncoding = false,
            };
            ApplyHeaders(request.Headers, request.Metadata, write.Headers);
            // Every single-part write sends Content-MD5, so S3 checks the bytes and the ETag check below applies to all
            // writers alike, not only those that knew the MD5 in advance.
            var md5 = write.ContentMd5 ?? Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(buffer.AsSpan(0, length)));
            request.MD5Digest = Convert.ToBase64String(Convert.FromHexString(md5));

            if (write.Condition is { } condition)
            {
                request.IfMatch = condition.IfMatch;
                request.IfNoneMatch = condition.IfMatch is null ? "*" : null;
            }

            var response = await s3.PutObjectAsync(request, cancellationToken);
            var etag = response.ETag ?? string.Empty;
            await VerifyStoredAsync(write with { ContentMd5 = md5 }, etag, response.ServerSideEncryptionMethod, cancellationToken);
            return new StoredObject(write.Bucket, write.Key, length, etag, DateTimeOffset.UtcNow, write.Headers);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new PreconditionFailedException(write.Bucket, write.Key);
        }
        catch (AmazonS3Exception e)
        {
            throw ObjectStoreException.From(e, "PUT", write.Bucket, write.Key);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A single-part ETag is the MD5 of the stored bytes (plain and SSE-S3 objects; not SSE-KMS). When it is not the
    /// MD5 that was sent, the server ignored <c>Content-MD5</c> and kept other bytes: the object is removed, so
    /// nobody is served them and the next attempt writes it again, and the write fails loudly.
    /// </summary>
    private async Task VerifyStoredAsync(ObjectWrite write, string etag, ServerSideEncryptionMethod? encryption, CancellationToken cancellationToken)
    {
        if (write.ContentMd5 is null || !options.VerifyETag
            || encryption == ServerSideEncryptionMethod.AWSKMS || encryption == ServerSideEncryptionMethod.AWSKMSDSSE
            || string.Equals(etag.Trim('"'), write.ContentMd5, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = write.Bucket, Key = write.Key, IfMatch = etag }, cancellationToken);
        }
        catch (AmazonS3Exception)
        {
            // The failure below is what matters; a lifecycle or the next write replaces what could not be removed.
        }

        throw ObjectStoreException.Detected("PUT",
            $"the server stored bytes whose ETag {etag.Trim('"')} is not the MD5 {write.ContentMd5} that was sent, so it ignores Content-MD5; " +
            "the object was removed (set S3:VerifyETag=false only for a server whose ETags are not MD5s)",
            write.Bucket, write.Key);
    }

    private async Task<StoredObject> PutMultipartAsync(ObjectWrite write, Stream content, byte[] firstPart, CancellationToken cancellationToken)
    {
        InitiateMultipartUploadResponse init;
        try
        {
            var initiate = new InitiateMultipartUploadRequest { BucketName = write.Bucket, Key = write.Key };
            ApplyHeaders(initiate.Headers, initiate.Metadata, write.Headers);
            init = await s3.InitiateMultipartUploadAsync(initiate, cancellationToken);
        }
        catch (AmazonS3Exception e)
        {
            ArrayPool<byte>.Shared.Return(firstPart);
            throw ObjectStoreException.From(e, "PUT", write.Bucket, write.Key);
        }

        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(options.MaxConcurrentParts);
        var uploads = new List<Task<PartETag>>();
        long total = 0;
        try
        {
            var buffer = firstPart;
            var length = options.PartSizeBytes;
            for (var partNumber = 1; ; partNumber++)
            {
                total += length;
                await slots.WaitAsync(failFast.Token);
                uploads.Add(UploadPartAsync(write, init.UploadId, partNumber, buffer, length, slots, failFast));
                buffer = ArrayPool<byte>.Shared.Rent(options.PartSizeBytes);
                length = await ReadFullAsync(content, buffer, options.PartSizeBytes, failFast.Token);
                if (length == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
            }

            var parts = await Task.WhenAll(uploads);
            write.BeforeCommit?.Invoke();
            var completeRequest = new CompleteMultipartUploadRequest
            {
                BucketName = write.Bucket,
                Key = write.Key,
                UploadId = init.UploadId,
                PartETags = [.. parts],
            };
            if (write.Condition is { } condition)
            {
                completeRequest.IfMatch = condition.IfMatch;
                completeRequest.IfNoneMatch = condition.IfMatch is null ? "*" : null;
            }

            var complete = await s3.CompleteMultipartUploadAsync(completeRequest, cancellationToken);
            return new StoredObject(write.Bucket, write.Key, total, complete.ETag ?? string.Empty, DateTimeOffset.UtcNow, write.Headers);
        }
        catch (Exception e)
        {
            await failFast.CancelAsync();
            // Let in-flight parts finish (or fail) before aborting, so none lands after the abort.
            await Task.WhenAll(uploads.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            await AbortQuietlyAsync(write, init.UploadId);

            // A failed part cancels the reading loop through failFast; report the part's failure, not the
            // cancellation it caused, unless the caller really cancelled.
            var cause = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? uploads.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).FirstOrDefault(x => x is not null) ?? e
                : e;
            if (cause is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed })
            {
                throw new PreconditionFailedException(write.Bucket, write.Key);
            }

            if (cause is AmazonS3Exception s3Error)
            {
                throw ObjectStoreException.From(s3Error, "PUT", write.Bucket, write.Key);
            }

            if (!ReferenceEquals(cause, e))
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    private async Task<PartETag> UploadPartAsync(ObjectWrite write, string uploadId, int partNumber, byte[] buffer, int length, SemaphoreSlim slots, CancellationTokenSource failFast)
    {
        try
        {
            var response = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = write.Bucket,
                Key = write.Key,
                UploadId = uploadId,
                PartNumber = partNumber,
                PartSize = length,
                InputStream = new MemoryStream(buffer, 0, length, writable: false),
                // As for single-part PUTs: a part sent aws-chunked lands with its chunk framing on such servers,
                // and nothing checks a part's bytes afterwards (docs/benchmarks-sync.md, "S3-compatible servers").
                UseChunkEncoding = false,
            }, failFast.Token);
            return new PartETag(partNumber, response.ETag);
        }
        catch
        {
            // Stop reading the source at once; the upload as a whole is lost.
            await failFast.CancelAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            slots.Release();
        }
    }

    private async Task AbortQuietlyAsync(ObjectWrite write, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.RequestTimeout);
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = write.Bucket, Key = write.Key, UploadId = uploadId }, timeout.Token);
        }
        catch (Exception)
        {
            // A lifecycle rule (AbortIncompleteMultipartUpload) cleans up what an abort could not.
        }
    }

    public async Task<Stream?> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        counter?.Add(RequestKind.Get);
        try
        {
            var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        catch (AmazonS3Exception e)
        {
            throw ObjectStoreException.From(e, "GET", bucket, key);
        }
    }

    public IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, Listing? listing, CancellationToken cancellationToken) =>
        new RangeLister(s3, counter).ListAsync(bucket, prefix, listing ?? new Listing(), cancellationToken);

    public async Task<StoredObject> ReplaceHeadersAsync(ObjectHeaders headers, string bucket, string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var request = new CopyObjectRequest
        {
            SourceBucket = bucket,
            SourceKey = key,
            DestinationBucket = bucket,
            DestinationKey = key,
            MetadataDirective = S3MetadataDirective.REPLACE,
            ETagToMatch = ifMatch,
        };
        ApplyHeaders(request.Headers, request.Metadata, headers);
        counter?.Add(RequestKind.Copy);
        try
        {
            await s3.CopyObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new PreconditionFailedException(bucket, key);
        }
        catch (AmazonS3Exception e)
        {
            throw ObjectStoreException.From(e, "COPY", bucket, key);
        }

        return await HeadAsync(bucket, key, cancellationToken)
            ?? throw new InvalidOperationException($"s3://{bucket}/{key} vanished right after its headers were replaced.");
    }

    public async Task DeleteAsync(string bucket, string key, string? ifMatch, CancellationToken cancellationToken)
    {
        counter?.Add(RequestKind.Delete);
        try
        {
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key, IfMatch = ifMatch }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new PreconditionFailedException(bucket, key);
        }
        catch (AmazonS3Exception e) when (ifMatch is not null && e.ErrorCode == "NoSuchKey")
        {
            // A conditional delete of an object that is already gone: what was asked for holds.
        }
        catch (AmazonS3Exception e)
        {
            throw ObjectStoreException.From(e, "DELETE", bucket, key);
        }
    }

    private static void ApplyHeaders(HeadersCollection target, MetadataCollection metadata, ObjectHeaders headers)
    {
        target.ContentType = headers.ContentType;
        if (headers.CacheControl is not null)
        {
            target.CacheControl = headers.CacheControl;
        }

        foreach (var (name, value) in headers.Metadata)
        {
            metadata.Add(name, value);
        }
    }

    private static async Task<int> ReadFullAsync(Stream stream, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < count)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total, count - total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    internal static DateTimeOffset ToOffset(DateTime? value) =>
        value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.MinValue;
}
