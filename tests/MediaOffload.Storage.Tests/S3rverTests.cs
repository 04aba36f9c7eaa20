using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.Storage;
using MediaOffload.TestSupport;

namespace MediaOffload.Storage.Tests;

/// <summary>
/// The store against s3rver, a server that keeps an <c>aws-chunked</c> request body verbatim (chunk sizes and
/// signatures inside the object) and ignores <c>Content-MD5</c>. Uploads must still land byte for byte, single-part
/// and multipart (docs/benchmarks-sync.md, "S3-compatible servers").
/// </summary>
public sealed class S3rverTests
{
    private const int KiB = 1024;

    [Fact]
    public async Task S3rver_KeepsAnAwsChunkedSdkUpload_WithItsChunkFraming()
    {
        // The premise of every other test here: an SDK PutObject with its default aws-chunked signing lands corrupted
        // on s3rver. If a newer s3rver decoded aws-chunked, this fails and the tests below would prove nothing.
        var server = await S3rver.Shared;
        var bucket = await server.CreateBucketAsync("premise");
        var bytes = S3Harness.RandomBytes(100 * KiB, seed: 11);
        using var client = server.CreateClient();

        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "chunked.bin", InputStream = new MemoryStream(bytes), UseChunkEncoding = true });

        var stored = await server.ReadAllAsync(bucket, "chunked.bin");
        Assert.NotEqual(bytes.Length, stored.Length);
        Assert.Contains(";chunk-signature=", Encoding.ASCII.GetString(stored, 0, 100), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_SinglePartOnS3rver_ReadsBackByteForByte_WithContentMd5Verified()
    {
        var (store, server, bucket) = await StoreAsync("single", partSize: 8 * 1024 * KiB);
        var bytes = S3Harness.RandomBytes(300 * KiB, seed: 12);
        var md5 = Convert.ToHexStringLower(MD5.HashData(bytes));

        // With Content-MD5: the store compares the returned ETag with it (S3:VerifyETag), so a corrupted body would throw.
        var stored = await store.PutAsync(S3Harness.Write(bucket, "wp-content/uploads/2024/05/a.jpg", contentMd5: md5), new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal($"\"{md5}\"", stored.ETag);
        var read = await server.ReadAllAsync(bucket, "wp-content/uploads/2024/05/a.jpg");
        Assert.Equal(md5, Convert.ToHexStringLower(MD5.HashData(read)));
        Assert.True(bytes.AsSpan().SequenceEqual(read));
    }

    [Fact]
    public async Task PutAsync_SinglePartWithoutContentMd5OnS3rver_ReadsBackByteForByte()
    {
        // Variants are written without a known MD5, so nothing checks the ETag: the bytes must be right by themselves.
        var (store, server, bucket) = await StoreAsync("single-nomd5", partSize: 8 * 1024 * KiB);
        var bytes = S3Harness.RandomBytes(70 * KiB, seed: 13);

        var stored = await store.PutAsync(S3Harness.Write(bucket, "wp-content/uploads/2024/05/a.jpg.webp"), new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(bytes.Length, stored.Size);
        var read = await server.ReadAllAsync(bucket, "wp-content/uploads/2024/05/a.jpg.webp");
        Assert.True(bytes.AsSpan().SequenceEqual(read));
    }

    [Fact]
    public async Task PutAsync_MultipartWithSmallPartsOnS3rver_ReadsBackByteForByte()
    {
        // 64 KiB parts: five parts and a short sixth. Nothing verifies a part's bytes after the upload, so a part sent
        // aws-chunked would complete "successfully" with its framing inside the object.
        var (store, server, bucket) = await StoreAsync("multi", partSize: 64 * KiB);
        var bytes = S3Harness.RandomBytes(5 * 64 * KiB + 1234, seed: 14);

        var stored = await store.PutAsync(S3Harness.Write(bucket, "wp-content/uploads/2024/05/video.mp4"), new MemoryStream(bytes), CancellationToken.None);

        // Unlike S3's "<md5 of part md5s>-6", s3rver's multipart ETag is the MD5 of the assembled object
        // (lib/stores/filesystem.js, putObjectMultipart), so it tells what the server holds.
        var md5 = Convert.ToHexStringLower(MD5.HashData(bytes));
        Assert.Equal($"\"{md5}\"", stored.ETag);
        Assert.Equal(bytes.Length, stored.Size);
        var read = await server.ReadAllAsync(bucket, "wp-content/uploads/2024/05/video.mp4");
        Assert.Equal(md5, Convert.ToHexStringLower(MD5.HashData(read)));
        var head = await store.HeadAsync(bucket, "wp-content/uploads/2024/05/video.mp4", CancellationToken.None);
        Assert.Equal(bytes.Length, head!.Size);
        Assert.Equal("public, max-age=31536000, immutable", head.Headers!.CacheControl);
    }

    private static async Task<(S3ObjectStore Store, S3rver Server, string Bucket)> StoreAsync(string label, int partSize)
    {
        var server = await S3rver.Shared;
        var options = new S3StoreOptions { ServiceUrl = server.Endpoint, Region = "us-east-1", MaxRetries = 1, RequestTimeout = TimeSpan.FromSeconds(30), PartSizeBytes = partSize };
        // The client the service builds, so these tests see its real request settings.
        var store = new S3ObjectStore(S3ClientFactory.Create(options, S3rver.Credentials), options);
        return (store, server, await server.CreateBucketAsync(label));
    }
}
