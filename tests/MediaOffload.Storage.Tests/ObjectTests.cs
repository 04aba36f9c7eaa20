using MediaOffload.TestSupport;
using Amazon.S3.Model;
using MediaOffload.Core.Storage;

namespace MediaOffload.Storage.Tests;

public sealed class ObjectTests
{
    [Fact]
    public async Task ListAsync_MoreThanOnePage_ReturnsEveryObjectUnderPrefixInKeyOrder()
    {
        using var s3 = await S3Harness.StartAsync("list");
        var keys = Enumerable.Range(0, 1100).Select(i => $"wp-content/uploads/2024/{i:D4}.jpg").ToList();
        await Parallel.ForEachAsync(keys.Append("other/outside.jpg").Append("wp-content/uploadsX/outside.jpg"),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (key, ct) => await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = key, ContentBody = key }, ct));

        var listed = new List<StoredObject>();
        await foreach (var o in s3.Store.ListAsync(s3.Bucket, "wp-content/uploads/", null, CancellationToken.None))
        {
            listed.Add(o);
        }

        Assert.Equal(keys, listed.Select(o => o.Key));
        Assert.All(listed, o =>
        {
            Assert.Equal(s3.Bucket, o.Bucket);
            Assert.Equal(o.Key.Length, o.Size);
            Assert.NotEmpty(o.ETag);
            Assert.Null(o.Headers);
        });
    }

    [Fact]
    public async Task ListAsync_EmptyPrefixMatch_ReturnsNothing()
    {
        using var s3 = await S3Harness.StartAsync("list-empty");
        await foreach (var o in s3.Store.ListAsync(s3.Bucket, "nothing/", null, CancellationToken.None))
        {
            Assert.Fail($"unexpected {o.Key}");
        }
    }

    [Fact]
    public async Task ListAsync_MissingBucket_ThrowsObjectStoreException()
    {
        using var s3 = await S3Harness.StartAsync("list-nobucket");
        var e = await Assert.ThrowsAsync<ObjectStoreException>(async () =>
        {
            await foreach (var _ in s3.Store.ListAsync("no-such-bucket-list", "", null, CancellationToken.None))
            {
            }
        });
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceHeadersAsync_NewHeaders_ChangesHeadersNotBytes()
    {
        using var s3 = await S3Harness.StartAsync("replace");
        var bytes = S3Harness.RandomBytes(50_000, seed: 20);
        var before = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "doc.pdf"), new MemoryStream(bytes), CancellationToken.None);

        var replaced = await s3.Store.ReplaceHeadersAsync(
            new ObjectHeaders("application/pdf", "public, max-age=3600", new Dictionary<string, string> { [MediaMetadata.CachePolicy] = "p1-ffff0000", ["source-md5"] = "abc" }),
            s3.Bucket, "doc.pdf", before.ETag, CancellationToken.None);

        Assert.Equal("application/pdf", replaced.Headers!.ContentType);
        Assert.Equal("public, max-age=3600", replaced.Headers.CacheControl);
        Assert.Equal("p1-ffff0000", replaced.Meta(MediaMetadata.CachePolicy));
        Assert.Equal("abc", replaced.Meta(MediaMetadata.SourceMd5));
        Assert.Equal(2, replaced.Headers.Metadata.Count);
        Assert.Equal(bytes.Length, replaced.Size);
        Assert.Equal(before.ETag, replaced.ETag);

        var head = await s3.Store.HeadAsync(s3.Bucket, "doc.pdf", CancellationToken.None);
        Assert.Equal("public, max-age=3600", head!.Headers!.CacheControl);
        Assert.Equal("application/pdf", head.Headers.ContentType);
        Assert.Equal(bytes, await s3.ReadAllAsync("doc.pdf"));
    }

    [Fact]
    public async Task ReplaceHeadersAsync_MissingKey_ThrowsObjectStoreException()
    {
        using var s3 = await S3Harness.StartAsync("replace-missing");
        await Assert.ThrowsAsync<ObjectStoreException>(() => s3.Store.ReplaceHeadersAsync(
            new ObjectHeaders("image/png", null, new Dictionary<string, string>()), s3.Bucket, "missing.png", null, CancellationToken.None));
    }

    [Fact]
    public async Task ReplaceHeadersAsync_ObjectRewrittenSinceSeen_ThrowsPreconditionFailedAndKeepsTheNewHeaders()
    {
        // Through the proxy, which applies x-amz-copy-source-if-match as S3 does (moto ignores it).
        using var s3 = await S3Harness.StartAsync("replace-changed");
        await using var proxy = await S3Proxy.StartAsync(s3.Moto.Endpoint);
        var options = new S3StoreOptions { ServiceUrl = proxy.Endpoint, Region = "us-east-1", MaxRetries = 0 };
        using var client = S3ClientFactory.Create(options, MotoServer.Credentials);
        var store = new S3ObjectStore(client, options);
        var seen = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "doc.pdf"), new MemoryStream(S3Harness.RandomBytes(1000, seed: 1)), CancellationToken.None);
        var rewritten = S3Harness.RandomBytes(1200, seed: 2);
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "doc.pdf"), new MemoryStream(rewritten), CancellationToken.None);

        await Assert.ThrowsAsync<PreconditionFailedException>(() => store.ReplaceHeadersAsync(
            new ObjectHeaders("application/pdf", "public, max-age=60", new Dictionary<string, string>()), s3.Bucket, "doc.pdf", seen.ETag, CancellationToken.None));
        var current = (await s3.Store.HeadAsync(s3.Bucket, "doc.pdf", CancellationToken.None))!;
        var replaced = await store.ReplaceHeadersAsync(current.Headers! with { CacheControl = "public, max-age=120" }, s3.Bucket, "doc.pdf", current.ETag, CancellationToken.None);
        Assert.Equal("public, max-age=120", replaced.Headers!.CacheControl);
        await store.ReplaceHeadersAsync(current.Headers!, s3.Bucket, "doc.pdf", current.ETag, CancellationToken.None);

        var head = await s3.Store.HeadAsync(s3.Bucket, "doc.pdf", CancellationToken.None);
        Assert.NotEqual("public, max-age=60", head!.Headers!.CacheControl);
        Assert.Equal(rewritten, await s3.ReadAllAsync("doc.pdf"));
    }

    [Fact]
    public async Task DeleteAsync_ExistingKey_RemovesIt()
    {
        using var s3 = await S3Harness.StartAsync("delete");
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(new byte[10]), CancellationToken.None);
        Assert.True(await s3.ExistsAsync("a.jpg"));

        await s3.Store.DeleteAsync(s3.Bucket, "a.jpg", null, CancellationToken.None);

        Assert.False(await s3.ExistsAsync("a.jpg"));
        Assert.Null(await s3.Store.HeadAsync(s3.Bucket, "a.jpg", CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_Succeeds()
    {
        using var s3 = await S3Harness.StartAsync("delete-missing");
        await s3.Store.DeleteAsync(s3.Bucket, "never-existed.jpg", null, CancellationToken.None);
        Assert.False(await s3.ExistsAsync("never-existed.jpg"));
    }

    [Fact]
    public async Task HeadAsync_MissingKey_ReturnsNull()
    {
        using var s3 = await S3Harness.StartAsync("head-missing");
        Assert.Null(await s3.Store.HeadAsync(s3.Bucket, "missing.jpg", CancellationToken.None));
    }

    [Fact]
    public async Task HeadAsync_MissingBucket_ThrowsBucketDoesNotExist()
    {
        using var s3 = await S3Harness.StartAsync("head-nobucket");
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => s3.Store.HeadAsync("no-such-bucket-head", "a.jpg", CancellationToken.None));
        Assert.Contains("bucket 'no-such-bucket-head' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("s3://no-such-bucket-head/a.jpg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenReadAsync_ExistingKey_StreamsBytes()
    {
        using var s3 = await S3Harness.StartAsync("read");
        var bytes = S3Harness.RandomBytes(3000, seed: 21);
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(bytes), CancellationToken.None);

        await using var stream = await s3.Store.OpenReadAsync(s3.Bucket, "a.jpg", CancellationToken.None);
        Assert.NotNull(stream);
        using var ms = new MemoryStream();
        await stream.CopyToAsync(ms);
        Assert.Equal(bytes, ms.ToArray());
    }

    [Fact]
    public async Task OpenReadAsync_MissingKey_ReturnsNull()
    {
        using var s3 = await S3Harness.StartAsync("read-missing");
        Assert.Null(await s3.Store.OpenReadAsync(s3.Bucket, "missing.jpg", CancellationToken.None));
    }

    [Fact]
    public async Task OpenReadAsync_MissingBucket_ThrowsBucketDoesNotExist()
    {
        using var s3 = await S3Harness.StartAsync("read-nobucket");
        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => s3.Store.OpenReadAsync("no-such-bucket-read", "a.jpg", CancellationToken.None));
        Assert.Contains("bucket 'no-such-bucket-read' does not exist", e.Message, StringComparison.Ordinal);
    }
}
