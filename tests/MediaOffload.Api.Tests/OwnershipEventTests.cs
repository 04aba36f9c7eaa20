using System.Net;
using System.Net.Http.Json;
using Amazon.S3.Model;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Ownership;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary>
/// docs/keys.md through events, against the real worker, moto and the loopback origin: one user's upload or delete never
/// writes, overwrites or deletes another's object, and a file named like a variant is refused.
/// </summary>
public sealed class OwnershipEventTests : IAsyncLifetime
{
    private const string Nfc = "2024/05/caf\u00E9.jpg";
    private const string NfdName = "cafe\u0301.jpg";
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Upload_KeyOwnedByAnotherAttachment_IsRefusedAndTheObjectIsUnchanged()
    {
        var victim = ServiceHost.FakeJpeg(3000, seed: 1);
        _host.Origin.Serve("2024/05/photo.jpg", victim);
        Assert.Equal(FileStatus.Uploaded, (await RunAsync(new EventBuilder(_host.Origin, attachmentId: 42).File("2024/05/photo.jpg", victim).Build())).Status);
        var before = await HeadAsync("wp-content/uploads/2024/05/photo.jpg");

        var attacker = ServiceHost.FakeJpeg(3000, seed: 2);
        _host.Origin.Serve("2024/05/photo.jpg", attacker);
        var outcome = await RunAsync(new EventBuilder(_host.Origin, attachmentId: 43).File("2024/05/photo.jpg", attacker).Build());

        Assert.Equal(FileStatus.Refused, outcome.Status);
        Assert.Contains("attachment 42", outcome.Reason, StringComparison.Ordinal);
        var after = await HeadAsync("wp-content/uploads/2024/05/photo.jpg");
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal("42", after.Metadata["x-amz-meta-attachment-id"]);
    }

    [Fact]
    public async Task Upload_NfdNameForAKeyWrittenFromTheNfcName_IsRefusedEvenForTheSameAttachment()
    {
        var first = ServiceHost.FakeJpeg(3000, seed: 3);
        _host.Origin.Serve(Nfc, first);
        Assert.Equal(FileStatus.Uploaded, (await RunAsync(new EventBuilder(_host.Origin, attachmentId: 50).File(Nfc, first).Build())).Status);
        var before = await HeadAsync("wp-content/uploads/" + Nfc);

        var second = ServiceHost.FakeJpeg(3100, seed: 4);
        _host.Origin.Serve("2024/05/" + NfdName, second);
        var nfdUrl = _host.Origin.BaseUrl + "/wp-content/uploads/2024/05/" + Uri.EscapeDataString(NfdName);
        var outcome = await RunAsync(new EventBuilder(_host.Origin, attachmentId: 51).File(Nfc, second, url: nfdUrl).Build());

        Assert.Equal(FileStatus.Refused, outcome.Status);
        Assert.Equal(before.ETag, (await HeadAsync("wp-content/uploads/" + Nfc)).ETag);
        Assert.Equal(0, _host.Origin.Hits("2024/05/" + NfdName));
    }

    [Fact]
    public async Task Delete_KeyOwnedByAnotherAttachment_IsRefusedAndTheObjectStays()
    {
        var content = ServiceHost.FakeJpeg(3000, seed: 5);
        _host.Origin.Serve("2024/05/keep.jpg", content);
        await RunAsync(new EventBuilder(_host.Origin, attachmentId: 60).File("2024/05/keep.jpg", content).Build());

        var outcome = await RunAsync(new EventBuilder(_host.Origin, "attachment.deleted", attachmentId: 61).DeletedFile("2024/05/keep.jpg").Build());

        Assert.Equal(FileStatus.Refused, outcome.Status);
        Assert.Contains("attachment 60", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("wp-content/uploads/2024/05/keep.jpg", await _host.KeysAsync(_host.MediaBucket));

        var own = await RunAsync(new EventBuilder(_host.Origin, "attachment.deleted", attachmentId: 60).DeletedFile("2024/05/keep.jpg").Build());
        Assert.Equal(FileStatus.Deleted, own.Status);
        Assert.DoesNotContain("wp-content/uploads/2024/05/keep.jpg", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Upload_ObjectRecordingNoOwner_IsAdoptedAndNowRecordsOne()
    {
        var old = ServiceHost.FakeJpeg(3000, seed: 6);
        await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.MediaBucket, Key = "wp-content/uploads/2024/05/legacy.jpg", InputStream = new MemoryStream(old), ContentType = "image/jpeg" });
        var current = ServiceHost.FakeJpeg(3000, seed: 7);
        _host.Origin.Serve("2024/05/legacy.jpg", current);

        var outcome = await RunAsync(new EventBuilder(_host.Origin, attachmentId: 70).File("2024/05/legacy.jpg", current).Build());

        Assert.Equal(FileStatus.Uploaded, outcome.Status);
        var head = await HeadAsync("wp-content/uploads/2024/05/legacy.jpg");
        Assert.Equal("70", head.Metadata["x-amz-meta-attachment-id"]);
        Assert.Equal(KeyOwner.NameDigest("2024/05/legacy.jpg"), head.Metadata["x-amz-meta-source-name"]);
    }

    [Fact]
    public async Task Upload_FileNamedLikeAVariant_Returns422AndTheVariantIsUntouched()
    {
        var victim = TestImages.Jpeg(64, 48);
        _host.Origin.Serve("2024/05/victim.jpg", victim);
        await RunAsync(new EventBuilder(_host.Origin, attachmentId: 80).File("2024/05/victim.jpg", victim).Build());
        var variant = await WaitForHeadAsync("wp-content/uploads/2024/05/victim.jpg.webp");

        var impostor = ServiceHost.FakeJpeg(500, seed: 8);
        _host.Origin.Serve("2024/05/victim.jpg.webp", impostor);
        var response = await _host.PostSignedAsync("/v1/events", new EventBuilder(_host.Origin, attachmentId: 81).File("2024/05/victim.jpg.webp", impostor, mime: "image/webp").Build());

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Contains("reserved for a variant of 'victim.jpg'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(variant.ETag, (await HeadAsync("wp-content/uploads/2024/05/victim.jpg.webp")).ETag);
        Assert.Equal(0, _host.Origin.Hits("2024/05/victim.jpg.webp"));

        var delete = await _host.PostSignedAsync("/v1/events", new EventBuilder(_host.Origin, "attachment.deleted", attachmentId: 81).DeletedFile("2024/05/victim.jpg.webp").Build());
        Assert.Equal((HttpStatusCode)422, delete.StatusCode);
        Assert.Contains("wp-content/uploads/2024/05/victim.jpg.webp", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Variants_ForeignObjectAtTheVariantKey_IsNeitherOverwrittenNorDeleted()
    {
        await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.MediaBucket, Key = "wp-content/uploads/2024/05/pic.jpg.webp", ContentBody = "another tool's webp", ContentType = "image/webp" });
        var image = TestImages.Jpeg(64, 48);
        _host.Origin.Serve("2024/05/pic.jpg", image);

        await RunAsync(new EventBuilder(_host.Origin, attachmentId: 90).File("2024/05/pic.jpg", image).Build());
        var created = await _host.Notifier.WaitForAsync(d => d.Path == "/events/variants" && d.Key == "wp-content/uploads/2024/05/pic.jpg", TimeSpan.FromSeconds(30));
        Assert.Contains("not a variant", created.Response.Records.Single().Reason, StringComparison.Ordinal);

        await RunAsync(new EventBuilder(_host.Origin, "attachment.deleted", attachmentId: 90).DeletedFile("2024/05/pic.jpg").Build());
        await _host.Notifier.WaitForAsync(d => d.Path == "/events/variants" && d.EventName.StartsWith("ObjectRemoved", StringComparison.Ordinal) && d.Key == "wp-content/uploads/2024/05/pic.jpg", TimeSpan.FromSeconds(30));

        using var foreign = await _host.S3.GetObjectAsync(_host.MediaBucket, "wp-content/uploads/2024/05/pic.jpg.webp");
        Assert.Equal("another tool's webp", await new StreamReader(foreign.ResponseStream).ReadToEndAsync());
    }

    private async Task<FileOutcome> RunAsync(byte[] body)
    {
        var response = await _host.PostSignedAsync("/v1/events", body, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + Interlocked.Increment(ref _sent));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var jobId = (await response.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
        var delivery = await _host.Notifier.WaitForAsync(d => d.Key == $"jobs/{jobId}.json" && d.Path == "/events/offload", TimeSpan.FromSeconds(30));
        return delivery.Response.Records.Single().Files!.Single();
    }

    private int _sent;

    private Task<GetObjectMetadataResponse> HeadAsync(string key) => _host.S3.GetObjectMetadataAsync(_host.MediaBucket, key);

    private async Task<GetObjectMetadataResponse> WaitForHeadAsync(string key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if ((await _host.KeysAsync(_host.MediaBucket)).Contains(key))
            {
                return await HeadAsync(key);
            }

            Assert.True(DateTime.UtcNow < deadline, $"{key} did not appear");
            await Task.Delay(100);
        }
    }
}
