using System.Buffers;
using System.Security.Cryptography;
using MediaOffload.Core.Storage;

namespace MediaOffload.Storage.Tests;

public sealed class PutTests
{
    private const int MiB = S3Harness.MiB;

    [Fact]
    public async Task PutAsync_SmallObject_RoundTripsBytesHeadersAndMetadata()
    {
        using var s3 = await S3Harness.StartAsync("put-small");
        var bytes = S3Harness.RandomBytes(100_000, seed: 1);
        var write = new ObjectWrite(s3.Bucket, "wp-content/uploads/2024/05/photo.jpg",
            new ObjectHeaders("image/jpeg", "public, max-age=31536000, immutable", new Dictionary<string, string>
            {
                [MediaMetadata.SourceMd5] = Convert.ToHexStringLower(MD5.HashData(bytes)),
                [MediaMetadata.SourceModified] = "2024-05-01T10:00:00Z",
                [MediaMetadata.CachePolicy] = "p1-1234abcd",
            }));

        var stored = await s3.Store.PutAsync(write, new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(bytes))}\"", stored.ETag);
        Assert.Equal(bytes, await s3.ReadAllAsync(write.Key));

        var head = await s3.Store.HeadAsync(s3.Bucket, write.Key, CancellationToken.None);
        Assert.NotNull(head);
        Assert.Equal(bytes.Length, head.Size);
        Assert.Equal(stored.ETag, head.ETag);
        Assert.Equal("image/jpeg", head.Headers!.ContentType);
        Assert.Equal("public, max-age=31536000, immutable", head.Headers.CacheControl);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), head.Meta("source-md5"));
        Assert.Equal("2024-05-01T10:00:00Z", head.Meta("source-modified"));
        Assert.Equal("p1-1234abcd", head.Meta("cache-policy"));
        Assert.Equal(3, head.Headers.Metadata.Count);
        Assert.DoesNotContain(head.Headers.Metadata.Keys, k => k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase));
        Assert.InRange(head.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

        // The raw client sees the same headers under their wire names.
        var raw = await s3.Client.GetObjectMetadataAsync(s3.Bucket, write.Key);
        Assert.Equal("p1-1234abcd", raw.Metadata["x-amz-meta-cache-policy"]);
        Assert.Equal("public, max-age=31536000, immutable", raw.Headers.CacheControl);
    }

    [Fact]
    public async Task PutAsync_EmptyStream_WritesEmptyObject()
    {
        using var s3 = await S3Harness.StartAsync("put-empty");
        var stored = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "empty.jpg"), new MemoryStream(), CancellationToken.None);
        Assert.Equal(0, stored.Size);
        Assert.Empty(await s3.ReadAllAsync("empty.jpg"));
    }

    [Fact]
    public async Task PutAsync_CorrectContentMd5_Succeeds()
    {
        using var s3 = await S3Harness.StartAsync("put-md5");
        var bytes = S3Harness.RandomBytes(1000, seed: 2);
        var write = S3Harness.Write(s3.Bucket, "a.jpg", contentMd5: Convert.ToHexStringLower(MD5.HashData(bytes)));
        await s3.Store.PutAsync(write, new MemoryStream(bytes), CancellationToken.None);
        Assert.Equal(bytes, await s3.ReadAllAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_12MiBWith5MiBParts_GoesMultipartAndRoundTrips()
    {
        using var s3 = await S3Harness.StartAsync("put-multi", o => o.PartSizeBytes = 5 * MiB);
        var bytes = S3Harness.RandomBytes(12 * MiB, seed: 4);
        var write = S3Harness.Write(s3.Bucket, "video/big.mp4");

        var stored = await s3.Store.PutAsync(write, new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(bytes.Length, stored.Size);
        Assert.EndsWith("-3\"", stored.ETag, StringComparison.Ordinal);
        var head = await s3.Store.HeadAsync(s3.Bucket, write.Key, CancellationToken.None);
        Assert.NotNull(head);
        Assert.EndsWith("-3\"", head.ETag, StringComparison.Ordinal);
        Assert.Equal(bytes.Length, head.Size);
        Assert.Equal("public, max-age=31536000, immutable", head.Headers!.CacheControl);
        Assert.Equal("p1-1234abcd", head.Meta(MediaMetadata.CachePolicy));
        var read = await s3.ReadAllAsync(write.Key);
        Assert.True(bytes.AsSpan().SequenceEqual(read));
        Assert.Empty(await s3.InProgressUploadsAsync());
    }

    [Fact]
    public async Task PutAsync_ExactlyOnePartSize_RoundTrips()
    {
        using var s3 = await S3Harness.StartAsync("put-exact", o => o.PartSizeBytes = 5 * MiB);
        var bytes = S3Harness.RandomBytes(5 * MiB, seed: 5);
        var stored = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "exact.bin"), new MemoryStream(bytes), CancellationToken.None);
        Assert.Equal(bytes.Length, stored.Size);
        var read = await s3.ReadAllAsync("exact.bin");
        Assert.True(bytes.AsSpan().SequenceEqual(read));
    }

    [Fact]
    public async Task PutAsync_BelowPartSize_IsSinglePut()
    {
        using var s3 = await S3Harness.StartAsync("put-single", o => o.PartSizeBytes = 5 * MiB);
        var bytes = S3Harness.RandomBytes(5 * MiB - 1, seed: 6);
        var stored = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "single.bin"), new MemoryStream(bytes), CancellationToken.None);
        Assert.DoesNotContain('-', stored.ETag);
        Assert.Equal($"\"{Convert.ToHexStringLower(MD5.HashData(bytes))}\"", stored.ETag);
    }

    [Fact]
    public async Task PutAsync_BeforeCommitThrowsOnSmallPut_LeavesNoObject()
    {
        using var s3 = await S3Harness.StartAsync("commit-small");
        var calls = 0;
        var write = S3Harness.Write(s3.Bucket, "a.jpg", () =>
        {
            calls++;
            throw new InvalidDataException("MD5 differs from the declared value.");
        });

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => s3.Store.PutAsync(write, new MemoryStream(S3Harness.RandomBytes(1000, 7)), CancellationToken.None));

        Assert.Equal("MD5 differs from the declared value.", e.Message);
        Assert.Equal(1, calls);
        Assert.False(await s3.ExistsAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_BeforeCommitThrowsOnSmallPut_ReturnsBufferToPoolOnce()
    {
        // A part size no other test uses, so no other test rents from the same pool bucket.
        const int partSize = 20 * MiB;
        using var s3 = await S3Harness.StartAsync("commit-pool", o => o.PartSizeBytes = partSize);
        var write = S3Harness.Write(s3.Bucket, "a.jpg", () => throw new InvalidDataException("abandon"));

        // Fails before any I/O, so the put and the rents below run on one thread: a buffer returned twice would
        // sit both in this thread's pool slot and on the shared stack, and be handed out twice.
        await Assert.ThrowsAsync<InvalidDataException>(() => s3.Store.PutAsync(write, new MemoryStream(new byte[100]), CancellationToken.None));
        var first = ArrayPool<byte>.Shared.Rent(partSize);
        var second = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            Assert.NotSame(first, second);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(first);
            if (!ReferenceEquals(first, second))
            {
                ArrayPool<byte>.Shared.Return(second);
            }
        }
    }

    [Fact]
    public async Task PutAsync_BeforeCommitThrowsOnMultipartPut_LeavesNoObjectAndNoUpload()
    {
        using var s3 = await S3Harness.StartAsync("commit-multi", o => o.PartSizeBytes = 5 * MiB);
        var bytesRead = 0L;
        var source = new MemoryStream(S3Harness.RandomBytes(11 * MiB, seed: 8));
        var write = S3Harness.Write(s3.Bucket, "big.mp4", () =>
        {
            bytesRead = source.Position;
            throw new InvalidDataException("length differs");
        });

        await Assert.ThrowsAsync<InvalidDataException>(() => s3.Store.PutAsync(write, source, CancellationToken.None));

        Assert.Equal(11 * MiB, bytesRead);
        Assert.False(await s3.ExistsAsync("big.mp4"));
        Assert.Empty(await s3.InProgressUploadsAsync());
    }

    [Fact]
    public async Task PutAsync_BeforeCommitPasses_RunsAfterAllBytesRead()
    {
        using var s3 = await S3Harness.StartAsync("commit-ok", o => o.PartSizeBytes = 5 * MiB);
        var source = new MemoryStream(S3Harness.RandomBytes(6 * MiB, seed: 9));
        long seen = -1;
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "ok.bin", () => seen = source.Position), source, CancellationToken.None);
        Assert.Equal(6 * MiB, seen);
        Assert.True(await s3.ExistsAsync("ok.bin"));
    }

    [Fact]
    public async Task PutAsync_SourceThrowsMidwayOnMultipartPut_LeavesNothing()
    {
        using var s3 = await S3Harness.StartAsync("source-fails", o => o.PartSizeBytes = 5 * MiB);
        var source = new FailingStream(S3Harness.RandomBytes(12 * MiB, seed: 10), failAfter: 7 * MiB);
        var committed = false;

        var e = await Assert.ThrowsAsync<IOException>(() => s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "broken.mp4", () => committed = true), source, CancellationToken.None));

        Assert.Contains("reset", e.Message, StringComparison.Ordinal);
        Assert.False(committed);
        Assert.False(await s3.ExistsAsync("broken.mp4"));
        Assert.Empty(await s3.InProgressUploadsAsync());
    }

    [Fact]
    public async Task PutAsync_PartFailsWhileSourceIsRead_ThrowsTheS3ErrorAndLeavesNothing()
    {
        using var s3 = await S3Harness.StartAsync("part-fails", o => o.PartSizeBytes = 5 * MiB);
        // When the store starts reading part 2, someone aborts the upload, so the next UploadPart fails on the
        // server while the store is still reading the (slow) source.
        var source = new HookedStream(S3Harness.RandomBytes(16 * MiB, seed: 12), hookAt: 5 * MiB, async ct =>
        {
            foreach (var upload in await s3.InProgressUploadsAsync())
            {
                await s3.Client.AbortMultipartUploadAsync(s3.Bucket, upload.Key, upload.UploadId, ct);
            }
        }, slowReadDelay: TimeSpan.FromMilliseconds(300));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "aborted.mp4"), source, CancellationToken.None));

        var storeError = Assert.IsType<ObjectStoreException>(e);
        // AWS answers NoSuchUpload here and moto an internal error; either way the S3 error is what surfaces.
        Assert.StartsWith($"PUT s3://{s3.Bucket}/aborted.mp4 failed:", storeError.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<Amazon.S3.AmazonS3Exception>(storeError.InnerException);
        Assert.False(await s3.ExistsAsync("aborted.mp4"));
        Assert.Empty(await s3.InProgressUploadsAsync());
    }

    [Fact]
    public async Task PutAsync_CallerCancelsMultipartPut_ThrowsOperationCanceledAndLeavesNothing()
    {
        using var s3 = await S3Harness.StartAsync("cancelled", o => o.PartSizeBytes = 5 * MiB);
        using var cts = new CancellationTokenSource();
        var source = new HookedStream(S3Harness.RandomBytes(12 * MiB, seed: 13), hookAt: 5 * MiB, async _ => await cts.CancelAsync(), TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "cancelled.mp4"), source, cts.Token));

        Assert.False(await s3.ExistsAsync("cancelled.mp4"));
        Assert.Empty(await s3.InProgressUploadsAsync());
    }

    [Fact]
    public async Task PutAsync_SourceThrowsOnSmallPut_LeavesNothing()
    {
        using var s3 = await S3Harness.StartAsync("source-fails-small");
        var source = new FailingStream(S3Harness.RandomBytes(1000, seed: 11), failAfter: 500);
        await Assert.ThrowsAsync<IOException>(() => s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "broken.jpg"), source, CancellationToken.None));
        Assert.False(await s3.ExistsAsync("broken.jpg"));
    }

    [Fact]
    public async Task PutAsync_MissingBucket_ThrowsObjectStoreException()
    {
        using var s3 = await S3Harness.StartAsync("put-nobucket");
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() =>
            s3.Store.PutAsync(S3Harness.Write("no-such-bucket-put", "a.jpg"), new MemoryStream(new byte[10]), CancellationToken.None));
        Assert.Contains("bucket 'no-such-bucket-put' does not exist", e.Message, StringComparison.Ordinal);
    }
}
