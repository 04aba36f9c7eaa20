using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Signing;
using MediaOffload.TestSupport;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary>
/// Every sample in <c>events/</c> (the ones <c>sam local invoke</c> uses) is accepted by the app's endpoints,
/// delivered as the Lambda Web Adapter would: HTTP API requests as requests, other events as raw POST bodies.
/// </summary>
public sealed class SampleEventTests : IAsyncLifetime
{
    private static readonly string EventsFolder = Path.Combine(RepositoryRoot.Path, "events");
    private ServiceHost _host = null!;

    public async Task InitializeAsync()
    {
        var env = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "env.json")))!["Parameters"]!;
        _host = await ServiceHost.StartAsync(
            s =>
            {
                s["Offload:AllowedOrigins:1"] = "https://blog.example.com";
                // As under sam local: each function is invoked on its own, so nothing fetches from blog.example.com.
                s["Offload:S3:EmulateNotifications"] = "false";
            },
            ((string)env["Offload__MediaBucket"]!, (string)env["Offload__ControlBucket"]!));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void EventsFolder_EverySample_IsCoveredHere()
    {
        var covered = new[]
        {
            "api-events-post", "api-healthz", "offload-job-created", "variants-media-created", "variants-media-removed",
            "reconciler-schedule", "reconciler-backfill",
        };
        var samples = Directory.GetFiles(EventsFolder, "*.json").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(samples, covered.Order());
    }

    [Fact]
    public async Task ApiHealthzSample_AsHttpRequest_ReturnsOk()
    {
        var response = await SendHttpApiSampleAsync("api-healthz", resign: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ApiEventsPostSample_Resigned_IsAccepted()
    {
        var response = await SendHttpApiSampleAsync("api-events-post", resign: true);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task OffloadJobCreatedSample_WithItsJobObject_Succeeds()
    {
        var content = ServiceHost.FakeJpeg(3000, seed: 21);
        _host.Origin.Serve("2024/05/sample.jpg", content);
        var job = new OffloadJob("j-0123456789abcdef0123456789abcdef", "attachment.uploaded", _host.Origin.BaseUrl, 42,
        [
            new JobFile("2024/05/sample.jpg", "wp-content/uploads/2024/05/sample.jpg", _host.Origin.UrlFor("2024/05/sample.jpg"), content.Length,
                ServiceHost.Md5(content), MediaOffload.Core.Media.ObjectHeaderRules.ForOriginal(MediaOffload.Core.Media.MediaTypes.ForExtension("jpg")!, new MediaOffload.Core.Media.CachePolicy(), ServiceHost.Md5(content), null, null)),
        ]);
        await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.ControlBucket, Key = OffloadJob.KeyFor(job.JobId), ContentBody = System.Text.Encoding.UTF8.GetString(OffloadJob.ToJson(job)) });

        var outcome = await PostSampleAsync("/events/offload", "offload-job-created");

        Assert.Equal(RecordStatus.Succeeded, outcome.Records.Single().Status);
    }

    [Fact]
    public async Task VariantsSamples_CreatedThenRemoved_WriteAndDeleteVariants()
    {
        var created = S3Notification.FromJson(await File.ReadAllBytesAsync(Path.Combine(EventsFolder, "variants-media-created.json")))!;
        foreach (var record in created.Records!)
        {
            var key = S3NotificationKeys.Decode(record.S3!.Object!.Key!);
            var image = key.EndsWith(".PNG", StringComparison.Ordinal) ? PngBytes() : TestImages.Jpeg(80, 60);
            await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.MediaBucket, Key = key, InputStream = new MemoryStream(image) });
        }

        var createdOutcome = await PostSampleAsync("/events/variants", "variants-media-created");
        Assert.All(createdOutcome.Records, r => Assert.Equal(RecordStatus.Succeeded, r.Status));
        var keys = await _host.KeysAsync(_host.MediaBucket);
        Assert.Contains("wp-content/uploads/2024/05/summer party.jpg.webp", keys);
        Assert.Contains("wp-content/uploads/2024/05/Team Photo 2024.PNG.webp", keys);

        var removedOutcome = await PostSampleAsync("/events/variants", "variants-media-removed");
        Assert.All(removedOutcome.Records, r => Assert.Equal(RecordStatus.Succeeded, r.Status));
        Assert.DoesNotContain("wp-content/uploads/2024/05/summer party.jpg.webp", await _host.KeysAsync(_host.MediaBucket));
    }

    [Theory]
    [InlineData("reconciler-schedule")]
    [InlineData("reconciler-backfill")]
    public async Task ReconcilerSample_AgainstAnEmptyLibrary_RunsToTheEnd(string sample)
    {
        _host.Origin.ServeManifest([], pageSize: 100, ServiceHost.Secret);
        var body = await File.ReadAllBytesAsync(Path.Combine(EventsFolder, sample + ".json"));

        var response = await _host.Http.PostAsync("/events/reconcile", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<Http.RunAnswer>();
        Assert.Equal("finished", answer!.Status);
        Assert.True(answer.Report!.InSync);
    }

    private static byte[] PngBytes()
    {
        using var image = TestImages.Pixels(40, 40, 3, TestImages.Gradient);
        return TestImages.Save(image, ".png");
    }

    private async Task<EventResponse> PostSampleAsync(string path, string sample)
    {
        var body = await File.ReadAllBytesAsync(Path.Combine(EventsFolder, sample + ".json"));
        var response = await _host.Http.PostAsync(path, new ByteArrayContent(body));
        var outcome = await response.Content.ReadFromJsonAsync<EventResponse>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{sample}: {(int)response.StatusCode} {JsonSerializer.Serialize(outcome)}");
        return outcome!;
    }

    /// <summary>Replays an HTTP API (payload 2.0) sample as the request the Web Adapter would make.</summary>
    private async Task<HttpResponseMessage> SendHttpApiSampleAsync(string sample, bool resign)
    {
        var evt = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(EventsFolder, sample + ".json")))!;
        var method = (string)evt["requestContext"]!["http"]!["method"]!;
        var query = (string?)evt["rawQueryString"];
        var target = (string)evt["rawPath"]! + (string.IsNullOrEmpty(query) ? string.Empty : "?" + query);
        var body = Encoding.UTF8.GetBytes((string?)evt["body"] ?? string.Empty);
        var request = new HttpRequestMessage(new HttpMethod(method), target);
        if (method != "GET")
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in evt["headers"]!.AsObject())
        {
            if (name is "host" or "content-length")
            {
                continue;
            }

            if (name == "content-type")
            {
                request.Content!.Headers.ContentType = new((string)value!);
                continue;
            }

            request.Headers.TryAddWithoutValidation(name, (string)value!);
        }

        if (resign)
        {
            var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            request.Headers.Remove(RequestSigner.TimestampHeader);
            request.Headers.Remove(RequestSigner.SignatureHeader);
            request.Headers.Add(RequestSigner.TimestampHeader, ts.ToString());
            request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(ServiceHost.Secret, SigningAudience.Service, ts, method, target, body));
        }

        return await _host.Http.SendAsync(request);
    }
}
