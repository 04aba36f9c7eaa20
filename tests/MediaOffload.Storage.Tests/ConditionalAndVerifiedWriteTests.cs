using System.Security.Cryptography;
using MediaOffload.Core.Storage;
using MediaOffload.TestSupport;

namespace MediaOffload.Storage.Tests;

/// <summary>
/// Conditional writes and deletes, the ETag check after a PUT, and a HEAD that answers 403 for a missing key, against
/// moto_server directly and through a misbehaving proxy in front of it.
/// </summary>
public sealed class ConditionalAndVerifiedWriteTests
{
    [Fact]
    public async Task PutAsync_IfAbsentOverAnExistingObject_ThrowsAndKeepsTheBytes()
    {
        using var s3 = await S3Harness.StartAsync("cond-absent");
        var original = S3Harness.RandomBytes(1000, 1);
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(original), CancellationToken.None);

        await Assert.ThrowsAsync<PreconditionFailedException>(() => s3.Store.PutAsync(
            S3Harness.Write(s3.Bucket, "a.jpg") with { Condition = WriteCondition.IfAbsent }, new MemoryStream(S3Harness.RandomBytes(1000, 2)), CancellationToken.None));

        Assert.Equal(original, await s3.ReadAllAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_IfMatchAStaleETag_ThrowsAndKeepsTheNewerBytes()
    {
        using var s3 = await S3Harness.StartAsync("cond-match");
        var seen = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(S3Harness.RandomBytes(1000, 1)), CancellationToken.None);
        var newer = S3Harness.RandomBytes(1000, 2);
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(newer), CancellationToken.None);

        await Assert.ThrowsAsync<PreconditionFailedException>(() => s3.Store.PutAsync(
            S3Harness.Write(s3.Bucket, "a.jpg") with { Condition = WriteCondition.Unchanged(seen) }, new MemoryStream(S3Harness.RandomBytes(1000, 3)), CancellationToken.None));

        Assert.Equal(newer, await s3.ReadAllAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_IfMatchTheCurrentETag_Writes()
    {
        using var s3 = await S3Harness.StartAsync("cond-ok");
        var seen = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(S3Harness.RandomBytes(1000, 1)), CancellationToken.None);
        var replacement = S3Harness.RandomBytes(1000, 2);

        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg") with { Condition = WriteCondition.Unchanged(seen) }, new MemoryStream(replacement), CancellationToken.None);

        Assert.Equal(replacement, await s3.ReadAllAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_MultipartIfAbsentOverAnExistingObject_ThrowsAndLeavesNoUpload()
    {
        using var s3 = await S3Harness.StartAsync("cond-multi", o => o.PartSizeBytes = 5 * S3Harness.MiB);
        var original = S3Harness.RandomBytes(1000, 1);
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "big.mp4"), new MemoryStream(original), CancellationToken.None);

        await Assert.ThrowsAsync<PreconditionFailedException>(() => s3.Store.PutAsync(
            S3Harness.Write(s3.Bucket, "big.mp4") with { Condition = WriteCondition.IfAbsent }, new MemoryStream(S3Harness.RandomBytes(11 * S3Harness.MiB, 2)), CancellationToken.None));

        Assert.Equal(original, await s3.ReadAllAsync("big.mp4"));
        var uploads = await s3.Client.ListMultipartUploadsAsync(s3.Bucket);
        Assert.Empty(uploads.MultipartUploads ?? []);
    }

    [Fact]
    public async Task DeleteAsync_IfMatchAStaleETag_ThrowsAndKeepsTheObject()
    {
        using var s3 = await S3Harness.StartAsync("cond-delete");
        var seen = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(S3Harness.RandomBytes(1000, 1)), CancellationToken.None);
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(S3Harness.RandomBytes(1000, 2)), CancellationToken.None);

        await Assert.ThrowsAsync<PreconditionFailedException>(() => s3.Store.DeleteAsync(s3.Bucket, "a.jpg", seen.ETag, CancellationToken.None));

        Assert.True(await s3.ExistsAsync("a.jpg"));
    }

    [Fact]
    public async Task DeleteAsync_IfMatchTheCurrentETag_Deletes()
    {
        using var s3 = await S3Harness.StartAsync("cond-delete-ok");
        var seen = await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(S3Harness.RandomBytes(1000, 1)), CancellationToken.None);

        await s3.Store.DeleteAsync(s3.Bucket, "a.jpg", seen.ETag, CancellationToken.None);

        Assert.False(await s3.ExistsAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_ServerIgnoresContentMd5_FailsLoudlyAndRemovesTheCorruptObject()
    {
        using var s3 = await S3Harness.StartAsync("etag-verify");
        await using var proxy = await S3Proxy.StartAsync(s3.Moto.Endpoint);
        proxy.CorruptPuts = true;
        var options = new S3StoreOptions { ServiceUrl = proxy.Endpoint, Region = "us-east-1", MaxRetries = 0 };
        using var client = S3ClientFactory.Create(options, MotoServer.Credentials);
        var store = new S3ObjectStore(client, options);
        var bytes = S3Harness.RandomBytes(4000, 7);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync(
            S3Harness.Write(s3.Bucket, "a.jpg", contentMd5: Convert.ToHexStringLower(MD5.HashData(bytes))), new MemoryStream(bytes), CancellationToken.None));

        Assert.Contains("ignores Content-MD5", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(s3.Bucket, e.SafeText, StringComparison.Ordinal);
        Assert.False(await s3.ExistsAsync("a.jpg"));
    }

    [Fact]
    public async Task PutAsync_ServerIgnoresContentMd5ButCheckIsOff_KeepsWhatTheServerStored()
    {
        // The setting exists for servers whose ETags are never MD5s; this shows what it gives up.
        using var s3 = await S3Harness.StartAsync("etag-off");
        await using var proxy = await S3Proxy.StartAsync(s3.Moto.Endpoint);
        proxy.CorruptPuts = true;
        var options = new S3StoreOptions { ServiceUrl = proxy.Endpoint, Region = "us-east-1", MaxRetries = 0, VerifyETag = false };
        using var client = S3ClientFactory.Create(options, MotoServer.Credentials);
        var bytes = S3Harness.RandomBytes(4000, 7);

        await new S3ObjectStore(client, options).PutAsync(
            S3Harness.Write(s3.Bucket, "a.jpg", contentMd5: Convert.ToHexStringLower(MD5.HashData(bytes))), new MemoryStream(bytes), CancellationToken.None);

        Assert.NotEqual(bytes, await s3.ReadAllAsync("a.jpg"));
    }

    [Fact]
    public async Task HeadAsync_ForbiddenForAMissingKey_IsMissingWhenAListingShowsNoSuchKey()
    {
        using var s3 = await S3Harness.StartAsync("head-403");
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg.webp"), new MemoryStream(S3Harness.RandomBytes(100, 1)), CancellationToken.None);
        await using var proxy = await S3Proxy.StartAsync(s3.Moto.Endpoint);
        proxy.ForbidMissingHeads = true;
        var options = new S3StoreOptions { ServiceUrl = proxy.Endpoint, Region = "us-east-1", MaxRetries = 0 };
        using var client = S3ClientFactory.Create(options, MotoServer.Credentials);
        var store = new S3ObjectStore(client, options);

        // "a.jpg" is missing, though a longer key starts with it: the listing must not be taken for a hit.
        Assert.Null(await store.HeadAsync(s3.Bucket, "a.jpg", CancellationToken.None));
        Assert.NotNull(await store.HeadAsync(s3.Bucket, "a.jpg.webp", CancellationToken.None));
    }

    [Fact]
    public async Task HeadAsync_ForbiddenForAnExistingKey_IsAccessDenied()
    {
        using var s3 = await S3Harness.StartAsync("head-denied");
        await s3.Store.PutAsync(S3Harness.Write(s3.Bucket, "a.jpg"), new MemoryStream(S3Harness.RandomBytes(100, 1)), CancellationToken.None);
        await using var proxy = await S3Proxy.StartAsync(s3.Moto.Endpoint);
        proxy.ForbidAllHeads = true;
        var options = new S3StoreOptions { ServiceUrl = proxy.Endpoint, Region = "us-east-1", MaxRetries = 0 };
        using var client = S3ClientFactory.Create(options, MotoServer.Credentials);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => new S3ObjectStore(client, options).HeadAsync(s3.Bucket, "a.jpg", CancellationToken.None));

        Assert.Contains("access denied", e.Reason, StringComparison.Ordinal);
    }
}
