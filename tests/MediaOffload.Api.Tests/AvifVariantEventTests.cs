using System.Net;
using System.Net.Http.Json;
using Amazon.S3.Model;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Imaging;
using MediaOffload.Imaging.Tests;
using NetVips;

namespace MediaOffload.Api.Tests;

/// <summary>AVIF variants from S3 events (docs/keys.md, "Variants"), against the real emulator and real libvips.</summary>
public sealed class AvifVariantEventTests : IAsyncLifetime
{
    private const string Folder = "wp-content/uploads/2025/01/";
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task PostVariantsEvent_Photo_WritesAvifSmallerThanWebPAndLinkedToSource()
    {
        var key = Folder + "photo.jpg";
        var source = await PutAsync(key, Photo(480, 320), "image/jpeg");

        var record = await PostAsync(S3NotificationFactory.ObjectCreatedPut, key);

        Assert.Equal(RecordStatus.Succeeded, record.Status);
        var (avif, avifMeta) = await GetAsync(key + ".avif");
        var (webp, _) = await GetAsync(key + ".webp");
        Assert.Equal("image/avif", avifMeta.Headers.ContentType);
        Assert.Equal(source.ETag.Trim('"'), avifMeta.Metadata["x-amz-meta-source-etag"]);
        Assert.Equal("avif", avifMeta.Metadata["x-amz-meta-variant-format"]);
        Assert.True(avif.Length < webp.Length, $"AVIF {avif.Length} B is not smaller than WebP {webp.Length} B");
        var decoded = TestImages.Decode(avif);
        Assert.Equal((480, 320), (decoded.Width, decoded.FrameHeight));
    }

    [Fact]
    public async Task PostVariantsEvent_AnimatedGif_AvifKeyHoldsTheAnimatedWebPWithTheReason()
    {
        LibvipsRuntime.EnsureInitialized();
        var key = Folder + "anim.gif";
        byte[][] colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
        using var strip = TestImages.Pixels(40, 90, 3, (x, y, p) => colours[y / 30].CopyTo(p));
        using var animated = TestImages.Animated(strip, 30);
        await PutAsync(key, TestImages.Save(animated, ".gif"), "image/gif");

        await PostAsync(S3NotificationFactory.ObjectCreatedPut, key);

        var (bytes, meta) = await GetAsync(key + ".avif");
        Assert.Equal("image/webp", meta.Headers.ContentType);
        Assert.True(meta.Metadata.Keys.Contains("x-amz-meta-variant-avif-skipped"), "the AVIF key records why it holds no AVIF");
        Assert.Equal(3, TestImages.Decode(bytes).Frames);
    }

    [Fact]
    public async Task PostVariantsEvent_AvifVariantKey_IsIgnoredSoNothingLoops()
    {
        var record = await PostAsync(S3NotificationFactory.ObjectCreatedPut, Folder + "photo.jpg.avif");

        Assert.Equal(RecordStatus.Ignored, record.Status);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task PostVariantsEvent_ForeignObjectAtAvifKey_IsNeitherOverwrittenNorDeleted()
    {
        var key = Folder + "victim.jpg";
        await PutAsync(key, Photo(64, 48), "image/jpeg");
        var foreign = await PutAsync(key + ".avif", "not ours"u8.ToArray(), "image/avif");

        var created = await PostAsync(S3NotificationFactory.ObjectCreatedPut, key);
        await _host.S3.DeleteObjectAsync(_host.MediaBucket, key);
        var removed = await PostAsync(S3NotificationFactory.ObjectRemovedDelete, key);

        Assert.Contains("avif: left alone", created.Reason);
        Assert.Contains("avif: left alone", removed.Reason);
        var after = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, key + ".avif");
        Assert.Equal(foreign.ETag, after.ETag);
        Assert.DoesNotContain(key + ".webp", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task PostVariantsEvent_SourceRemoved_DeletesBothVariants()
    {
        var key = Folder + "gone.png";
        LibvipsRuntime.EnsureInitialized();
        using var image = TestImages.Pixels(50, 40, 4, (x, y, p) => { TestImages.Gradient(x, y, p); p[3] = (byte)(x * 5); });
        await PutAsync(key, TestImages.Save(image, ".png"), "image/png");
        await PostAsync(S3NotificationFactory.ObjectCreatedPut, key);
        Assert.Equal([key, key + ".avif", key + ".webp"], await _host.KeysAsync(_host.MediaBucket));

        await _host.S3.DeleteObjectAsync(_host.MediaBucket, key);
        var record = await PostAsync(S3NotificationFactory.ObjectRemovedDelete, key);

        Assert.Equal("avif: variant deleted; webp: variant deleted", record.Reason);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task AvifOriginal_EventIsIgnoredAndSyncGivesItOnlyAWebPKeyHoldingTheSmallerFile()
    {
        LibvipsRuntime.EnsureInitialized();
        using var photo = TestImages.Load(Photo(320, 240));
        var original = photo.HeifsaveBuffer(q: 50, compression: Enums.ForeignHeifCompression.Av1);
        var uploads = Directory.CreateTempSubdirectory("avif-original-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(uploads, "2025/01"));
            File.WriteAllBytes(Path.Combine(uploads, "2025/01/camera.avif"), original);
            var key = Folder + "camera.avif";

            var (exit, error) = await SyncAsync(uploads);
            var record = await PostAsync(S3NotificationFactory.ObjectCreatedPut, key);

            Assert.True(exit == 0, error);
            // No .avif key triggers Variants (the template's filters cannot tell an original from a variant).
            Assert.Equal(RecordStatus.Ignored, record.Status);
            Assert.Equal([key, key + ".webp"], await _host.KeysAsync(_host.MediaBucket));
            var stored = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, key);
            Assert.Equal("image/avif", stored.Headers.ContentType);
            var (bytes, meta) = await GetAsync(key + ".webp");
            Assert.Equal(meta.Headers.ContentType == "image/webp" ? "webp" : "original", meta.Metadata["x-amz-meta-variant-format"]);
            Assert.True(bytes.Length <= original.Length);
            var decoded = TestImages.Decode(bytes);
            Assert.Equal((320, 240), (decoded.Width, decoded.FrameHeight));
        }
        finally
        {
            Directory.Delete(uploads, recursive: true);
        }
    }

    private async Task<(int Exit, string Error)> SyncAsync(string uploads)
    {
        var error = new StringWriter();
        var exit = await MediaOffload.Cli.Commands.CliApp.RunAsync(
            ["sync", uploads, "--bucket", _host.MediaBucket, "--endpoint-url", _host.Moto.Endpoint, "--state", "none"], new StringWriter(), error, CancellationToken.None);
        return (exit, error.ToString());
    }

    [Fact]
    public async Task PostVariantsEvent_FormatsWebPOnly_WritesNoAvif()
    {
        await using var host = await ServiceHost.StartAsync(c => c["Offload:Variants:Formats"] = "webp");
        var key = Folder + "plain.jpg";
        await host.S3.PutObjectAsync(new PutObjectRequest { BucketName = host.MediaBucket, Key = key, InputStream = new MemoryStream(Photo(64, 48)), ContentType = "image/jpeg" });

        var response = await host.Http.PostAsJsonAsync(VariantsEventHandler.EndpointPath, new S3Notification([S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, host.MediaBucket, key)]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([key, key + ".webp"], await host.KeysAsync(host.MediaBucket));
    }

    /// <summary>A photo-like JPEG: smooth gradients with fine noise, where AVIF's gain over WebP shows.</summary>
    private static byte[] Photo(int width, int height)
    {
        LibvipsRuntime.EnsureInitialized();
        var random = new Random(7);
        return TestImages.Jpeg(width, height, writer: (x, y, p) =>
        {
            p[0] = (byte)Math.Clamp((x * 255 / width) + random.Next(-6, 7), 0, 255);
            p[1] = (byte)Math.Clamp((y * 255 / height) + random.Next(-6, 7), 0, 255);
            p[2] = (byte)Math.Clamp(128 + (int)(60 * Math.Sin(x / 17.0) * Math.Cos(y / 23.0)), 0, 255);
        });
    }

    private async Task<PutObjectResponse> PutAsync(string key, byte[] bytes, string contentType) =>
        await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.MediaBucket, Key = key, InputStream = new MemoryStream(bytes), ContentType = contentType });

    private async Task<RecordOutcome> PostAsync(string eventName, string key)
    {
        var response = await _host.Http.PostAsJsonAsync(VariantsEventHandler.EndpointPath, new S3Notification([S3NotificationFactory.Record(eventName, _host.MediaBucket, key)]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EventResponse>())!.Records.Single();
    }

    private async Task<(byte[] Bytes, GetObjectResponse Response)> GetAsync(string key)
    {
        using var response = await _host.S3.GetObjectAsync(_host.MediaBucket, key);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return (copy.ToArray(), response);
    }
}
