using System.Net;
using System.Net.Http.Json;
using System.Text;
using Amazon.S3.Model;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Media;

namespace MediaOffload.Api.Tests;

public sealed class OffloadPipelineTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task PostEvent_OriginalAndFiveSizes_EveryObjectLandsWithHeadersMetadataAndBytes()
    {
        string[] paths =
        [
            "2024/05/photo.jpg", "2024/05/photo-150x150.jpg", "2024/05/photo-300x200.jpg",
            "2024/05/photo-768x512.jpg", "2024/05/photo-1024x683.jpg", "2024/05/photo-scaled.jpg",
        ];
        var builder = new EventBuilder(_host.Origin);
        var contents = new Dictionary<string, byte[]>();
        for (var i = 0; i < paths.Length; i++)
        {
            contents[paths[i]] = ServiceHost.FakeJpeg(1000 + (i * 7919), seed: i);
            _host.Origin.Serve(paths[i], contents[paths[i]]);
            builder.File(paths[i], contents[paths[i]]);
        }

        var delivery = await PostAndWaitAsync(builder.Build());

        Assert.False(delivery.Response.AnyFailed);
        var files = delivery.Response.Records.Single().Files!;
        Assert.Equal(6, files.Count);
        Assert.All(files, f => Assert.Equal(FileStatus.Uploaded, f.Status));
        foreach (var path in paths)
        {
            var key = $"wp-content/uploads/{path}";
            using var obj = await _host.S3.GetObjectAsync(_host.MediaBucket, key);
            using var copy = new MemoryStream();
            await obj.ResponseStream.CopyToAsync(copy);
            Assert.Equal(contents[path], copy.ToArray());
            Assert.Equal("image/jpeg", obj.Headers.ContentType);
            Assert.Equal(CachePolicy.LongLived, obj.Headers.CacheControl);
            Assert.Equal(ServiceHost.Md5(contents[path]), obj.Metadata["x-amz-meta-source-md5"]);
            Assert.Equal("2024-05-01T10:00:00Z", obj.Metadata["x-amz-meta-source-modified"]);
            Assert.Equal(new CachePolicy().Version, obj.Metadata["x-amz-meta-cache-policy"]);
        }
    }

    [Fact]
    public async Task PostEvent_SameEventTwice_SameJobIdAndNoSecondTransfer()
    {
        var content = ServiceHost.FakeJpeg(5000, seed: 7);
        _host.Origin.Serve("2024/06/again.jpg", content);
        var body = new EventBuilder(_host.Origin).File("2024/06/again.jpg", content).Build();

        var first = await PostAndWaitAsync(body);
        // Signed a second later: the same signature twice would be refused as a replay (docs/signing.md).
        var second = await _host.PostSignedAsync("/v1/events", body, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        var secondId = (await second.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
        await _host.Notifier.WaitForAsync(d => d.Key == first.Key && d != first, TimeSpan.FromSeconds(30));

        Assert.Equal(first.Key, $"jobs/{secondId}.json");
        Assert.Equal(1, _host.Origin.Hits("2024/06/again.jpg"));
        var deliveries = _host.Notifier.Deliveries.Where(d => d.Key == first.Key).ToList();
        Assert.Equal(2, deliveries.Count);
        Assert.Contains(deliveries, d => d.Response.Records.Single().Files!.Single().Status == FileStatus.Unchanged);
    }

    [Fact]
    public async Task PostEvent_HostileFileNames_KeysRoundTripThroughNotificationEncoding()
    {
        // "é" typed as e + combining acute (NFD), as macOS produces it; the key must come out NFC.
        var nfd = "Cafe\u0301";
        var path = $"2024/07/{nfd} a b+c&d 100% Ελληνικά 日本.jpg";
        var expectedKey = "wp-content/uploads/2024/07/Caf\u00E9 a b+c&d 100% Ελληνικά 日本.jpg";
        var content = ServiceHost.FakeJpeg(3000, seed: 3);
        _host.Origin.Serve(path, content); // WordPress serves the name as it is on disk

        var delivery = await PostAndWaitAsync(new EventBuilder(_host.Origin).File(path, content).Build());

        Assert.False(delivery.Response.AnyFailed, string.Join("; ", delivery.Response.Records.SelectMany(r => r.Files!).Select(f => f.Reason)));
        Assert.Contains(expectedKey, await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task PostEvent_DeleteAfterUpload_RemovesTheObjects()
    {
        var content = ServiceHost.FakeJpeg(2000, seed: 9);
        _host.Origin.Serve("2024/08/gone.jpg", content);
        await PostAndWaitAsync(new EventBuilder(_host.Origin).File("2024/08/gone.jpg", content).Build());
        Assert.Contains("wp-content/uploads/2024/08/gone.jpg", await _host.KeysAsync(_host.MediaBucket));

        var delivery = await PostAndWaitAsync(new EventBuilder(_host.Origin, "attachment.deleted").DeletedFile("2024/08/gone.jpg").Build());

        Assert.Equal(FileStatus.Deleted, delivery.Response.Records.Single().Files!.Single().Status);
        Assert.DoesNotContain("wp-content/uploads/2024/08/gone.jpg", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task PostEvent_OneBadFileAmongGoodOnes_OnlyTheBadFileFails()
    {
        var good = ServiceHost.FakeJpeg(1500, seed: 11);
        _host.Origin.Serve("2024/09/good.jpg", good);
        _host.Origin.Serve("2024/09/bad.jpg", Encoding.UTF8.GetBytes("<?php echo 'pwned'; ?>"));
        var body = new EventBuilder(_host.Origin)
            .File("2024/09/good.jpg", good)
            .File("2024/09/bad.jpg", Encoding.UTF8.GetBytes("<?php echo 'pwned'; ?>"))
            .Build();

        var delivery = await PostAndWaitAsync(body);

        var files = delivery.Response.Records.Single().Files!.ToDictionary(f => f.Path);
        Assert.Equal(FileStatus.Uploaded, files["2024/09/good.jpg"].Status);
        Assert.Equal(FileStatus.Failed, files["2024/09/bad.jpg"].Status);
        var keys = await _host.KeysAsync(_host.MediaBucket);
        Assert.Contains("wp-content/uploads/2024/09/good.jpg", keys);
        Assert.DoesNotContain("wp-content/uploads/2024/09/bad.jpg", keys);
    }

    private async Task<LocalDelivery> PostAndWaitAsync(byte[] body)
    {
        var response = await _host.PostSignedAsync("/v1/events", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<EventAccepted>();
        Assert.NotNull(accepted);
        return await _host.Notifier.WaitForAsync(d => d.Key == $"jobs/{accepted.JobId}.json", TimeSpan.FromSeconds(60));
    }
}
