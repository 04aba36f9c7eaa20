using System.Net;
using System.Net.Http.Json;
using System.Text;
using Amazon.S3.Model;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Media;
using MediaOffload.Imaging;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary>Variants from S3 events, against the real emulator and real libvips.</summary>
public sealed class VariantEventTests : IAsyncLifetime
{
    private const string Folder = "wp-content/uploads/2024/05/";
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, int, int, int, int> GoodImages => new()
    {
        // name, expected width, frame height, frames, bands
        { "photo.jpg", 64, 48, 1, 3 },
        { "alpha.png", 50, 40, 1, 4 },
        { "animated.gif", 40, 30, 3, 3 },
        { "cmyk.jpg", 48, 32, 1, 3 },
        { "deep.png", 40, 24, 1, 3 },
        { "rotated.jpg", 40, 60, 1, 3 },
        { "palette.png", 32, 32, 1, 3 },
    };

    [Theory]
    [MemberData(nameof(GoodImages))]
    public async Task PostVariantsEvent_ImageKind_WritesDecodableVariantLinkedToSource(string name, int width, int frameHeight, int frames, int bands)
    {
        var key = Folder + name;
        var source = await PutSourceAsync(key, MakeImage(name));

        var response = await PostVariantsAsync(Created(key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var variant = await _host.S3.GetObjectAsync(_host.MediaBucket, key + ".webp");
        Assert.Equal("image/webp", variant.Headers.ContentType);
        Assert.Equal(CachePolicy.LongLived, variant.Headers.CacheControl);
        Assert.Equal(source.ETag.Trim('"'), variant.Metadata["x-amz-meta-source-etag"]);
        Assert.Equal("webp", variant.Metadata["x-amz-meta-variant-format"]);
        var decoded = TestImages.Decode(await ReadAllAsync(variant));
        Assert.Equal((width, frameHeight, frames, bands), (decoded.Width, decoded.FrameHeight, decoded.Frames, decoded.Bands));
        if (name == "rotated.jpg")
        {
            // The red block sat top-left in the stored pixels; orientation 6 turns it to the top-right corner.
            var corner = decoded.Pixel(decoded.Width - 2, 1);
            Assert.True(corner[0] > 180 && corner[1] < 80, $"expected red at top-right, got {string.Join(',', corner)}");
        }
    }

    public static TheoryData<string, string> BadImages => new()
    {
        { "truncated.jpg", "corrupt" },
        { "empty.jpg", "empty" },
        { "bomb.png", "pixel" },
        { "text.jpg", "format" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task PostVariantsEvent_BadImage_FailsWithReasonAndLeavesOriginal(string name, string reasonFragment)
    {
        var key = Folder + name;
        var bytes = MakeImage(name);
        await PutSourceAsync(key, bytes);

        var response = await PostVariantsAsync(Created(key));

        Assert.Equal((HttpStatusCode)S3EventsApi.FailedStatus, response.StatusCode);
        var record = (await response.Content.ReadFromJsonAsync<EventResponse>())!.Records.Single();
        Assert.Equal(RecordStatus.Failed, record.Status);
        Assert.Contains(reasonFragment, record.Reason, StringComparison.OrdinalIgnoreCase);
        var keys = await _host.KeysAsync(_host.MediaBucket);
        Assert.DoesNotContain(key + ".webp", keys);
        using var original = await _host.S3.GetObjectAsync(_host.MediaBucket, key);
        Assert.Equal(bytes, await ReadAllAsync(original));
    }

    [Fact]
    public async Task PostVariantsEvent_TenRecordsOneBad_ProcessesTheOtherNineAndReportsTheFailure()
    {
        var records = new List<S3NotificationRecord>();
        for (var i = 0; i < 10; i++)
        {
            var key = Folder + $"batch-{i}.jpg";
            await PutSourceAsync(key, i == 6 ? Encoding.UTF8.GetBytes("not an image at all") : TestImages.Jpeg(32 + i, 24));
            records.Add(Created(key).Single());
        }

        var response = await PostVariantsAsync([.. records]);

        Assert.Equal((HttpStatusCode)S3EventsApi.FailedStatus, response.StatusCode);
        var outcome = (await response.Content.ReadFromJsonAsync<EventResponse>())!;
        Assert.Equal(10, outcome.Records.Count);
        Assert.Equal(RecordStatus.Failed, outcome.Records[6].Status);
        Assert.Equal(9, outcome.Records.Count(r => r.Status == RecordStatus.Succeeded));
        var keys = await _host.KeysAsync(_host.MediaBucket);
        Assert.Equal(9, keys.Count(k => k.EndsWith(".jpg.webp", StringComparison.Ordinal)));
        Assert.DoesNotContain(Folder + "batch-6.jpg.webp", keys);
    }

    [Fact]
    public async Task PostVariantsEvent_VariantAlreadyCurrent_SkipsTheWork()
    {
        var key = Folder + "twice.jpg";
        await PutSourceAsync(key, TestImages.Jpeg(64, 48));
        await PostVariantsAsync(Created(key));
        var first = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, key + ".webp");

        var response = await PostVariantsAsync(Created(key));

        var record = (await response.Content.ReadFromJsonAsync<EventResponse>())!.Records.Single();
        Assert.Equal("avif: variant already current; webp: variant already current", record.Reason);
        var second = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, key + ".webp");
        Assert.Equal(first.ETag, second.ETag);
        Assert.Equal(first.LastModified, second.LastModified);
    }

    [Fact]
    public async Task PostVariantsEvent_WebPKeyOrOtherBucket_IsIgnoredSoNothingLoops()
    {
        var response = await PostVariantsAsync(
            S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.MediaBucket, Folder + "photo.jpg.webp"),
            S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.ControlBucket, Folder + "photo.jpg"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = (await response.Content.ReadFromJsonAsync<EventResponse>())!;
        Assert.All(outcome.Records, r => Assert.Equal(RecordStatus.Ignored, r.Status));
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Offload_UploadThenDelete_VariantFollowsThroughTheLocalNotifier()
    {
        var jpeg = TestImages.Jpeg(120, 80);
        _host.Origin.Serve("2024/05/Café a+b.jpg", jpeg);
        var key = Folder + "Café a+b.jpg";

        var accepted = await PostEventAsync(new EventBuilder(_host.Origin).File("2024/05/Café a+b.jpg", jpeg).Build());
        await _host.Notifier.WaitForAsync(d => d.Path == VariantsEventHandler.EndpointPath && d.Key == key, TimeSpan.FromSeconds(30));
        Assert.Contains(key + ".webp", await _host.KeysAsync(_host.MediaBucket));

        await PostEventAsync(new EventBuilder(_host.Origin, "attachment.deleted").DeletedFile("2024/05/Café a+b.jpg").Build());
        await _host.Notifier.WaitForAsync(d => d.Path == VariantsEventHandler.EndpointPath && d.Key == key && d.EventName.StartsWith("ObjectRemoved", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
        Assert.NotNull(accepted);
    }

    private async Task<EventAccepted?> PostEventAsync(byte[] body)
    {
        var response = await _host.PostSignedAsync("/v1/events", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<EventAccepted>();
    }

    private static byte[] MakeImage(string name)
    {
        LibvipsRuntime.EnsureInitialized();
        switch (name)
        {
            case "alpha.png":
            {
                using var image = TestImages.Pixels(50, 40, 4, (x, y, p) => { TestImages.Gradient(x, y, p); p[3] = (byte)(x * 5); });
                return TestImages.Save(image, ".png");
            }

            case "animated.gif":
            {
                byte[][] colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
                using var strip = TestImages.Pixels(40, 90, 3, (x, y, p) => colours[y / 30].CopyTo(p));
                using var animated = TestImages.Animated(strip, 30);
                return TestImages.Save(animated, ".gif");
            }

            case "cmyk.jpg":
                return TestImages.CmykJpeg(48, 32, keepProfile: true);
            case "deep.png":
            {
                using var image = TestImages.Pixels(40, 24, 3, TestImages.Gradient, sixteenBit: true);
                return TestImages.Save(image, ".png[bitdepth=16]");
            }

            case "rotated.jpg":
                // Stored 60x40 with a red block top-left; EXIF orientation 6 means "rotate 90° clockwise to view".
                return TestImages.Jpeg(60, 40, orientation: 6, writer: (x, y, p) =>
                {
                    if (x < 12 && y < 12) { p[0] = 230; p[1] = 20; p[2] = 20; } else { p[0] = 20; p[1] = 20; p[2] = 230; }
                });
            case "palette.png":
            {
                using var image = TestImages.Pixels(32, 32, 3, (x, y, p) => { p[0] = (byte)(x < 16 ? 200 : 10); p[1] = (byte)(y < 16 ? 200 : 10); p[2] = 90; });
                return TestImages.Save(image, ".png[palette]");
            }

            case "truncated.jpg":
            {
                var jpeg = TestImages.Jpeg(128, 128);
                return jpeg[..(jpeg.Length / 2)];
            }

            case "empty.jpg":
                return [];
            case "bomb.png":
                return TestImages.PngBomb(30000, 30000);
            case "text.jpg":
                return Encoding.UTF8.GetBytes("This is a plain text file that only pretends to be a JPEG.\n");
            default:
                return TestImages.Jpeg(64, 48);
        }
    }

    private async Task<PutObjectResponse> PutSourceAsync(string key, byte[] bytes) =>
        await _host.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _host.MediaBucket,
            Key = key,
            InputStream = new MemoryStream(bytes),
            ContentType = key.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : key.EndsWith(".gif", StringComparison.Ordinal) ? "image/gif" : "image/jpeg",
        });

    private S3NotificationRecord[] Created(string key) =>
        [S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.MediaBucket, key)];

    private Task<HttpResponseMessage> PostVariantsAsync(params S3NotificationRecord[] records) =>
        _host.Http.PostAsJsonAsync(VariantsEventHandler.EndpointPath, new S3Notification(records));

    private static async Task<byte[]> ReadAllAsync(GetObjectResponse response)
    {
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
