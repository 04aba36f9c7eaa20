using System.Net;
using System.Net.Http.Json;
using MediaOffload.Api.Http;
using MediaOffload.Api.Variants;
using MediaOffload.Core.Jobs;
using MediaOffload.Imaging;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary><c>GET /v1/jobs/{jobId}</c> against the real pipeline: moto, the loopback origin, libvips (docs/status.md).</summary>
public sealed class JobStatusTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private int _polls;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task GetJob_UploadedPhotoAndText_DoneWithEachVariantAsTheBucketHoldsIt()
    {
        var photo = Photo();
        var pdf = ServiceHost.Utf8("%PDF-1.4\n% not an image, so no variants\n%%EOF\n");
        _host.Origin.Serve("2024/07/photo.jpg", photo);
        _host.Origin.Serve("2024/07/notes.pdf", pdf);
        var jobId = await PostAsync(new EventBuilder(_host.Origin).File("2024/07/photo.jpg", photo).File("2024/07/notes.pdf", pdf, "application/pdf").Build());

        var status = await WaitForStateAsync(jobId, s => s.State != JobStates.Pending);

        Assert.Equal(JobStates.Done, status.State);
        Assert.False(status.Retryable);
        Assert.Equal(new JobStatusCounts(Files: 2, Offloaded: 2, Pending: 0, Failed: 0, Refused: 0, Avif: 1, Webp: 1, VariantsPending: 0, VariantsFailed: 0), status.Counts);
        var file = status.Files.Single(f => f.Path == "2024/07/photo.jpg");
        Assert.Equal((FileStates.Uploaded, photo.LongLength, ServiceHost.Md5(photo), true), (file.Status, file.Bytes, file.Md5, file.Verified));
        foreach (var variant in file.Variants)
        {
            var head = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, variant.Key);
            Assert.Equal(VariantStates.Made, variant.Status);
            Assert.Equal(head.Metadata["x-amz-meta-variant-format"], variant.Holds);
            Assert.Equal(head.ContentLength, variant.Bytes);
        }

        Assert.Equal(["avif", "webp"], file.Variants.Select(v => v.Format));
        Assert.Empty(status.Files.Single(f => f.Path == "2024/07/notes.pdf").Variants);
    }

    [Fact]
    public async Task GetJob_PixelBomb_FailedWithTheRejectionAndNotRetryable()
    {
        var bomb = TestImages.PngBomb(30000, 30000);
        _host.Origin.Serve("2024/07/bomb.png", bomb);
        var jobId = await PostAsync(new EventBuilder(_host.Origin).File("2024/07/bomb.png", bomb, "image/png").Build());

        var status = await WaitForStateAsync(jobId, s => s.State != JobStates.Pending);

        Assert.Equal(JobStates.Failed, status.State);
        Assert.False(status.Retryable);
        var file = status.Files.Single();
        // The original itself landed; only its variants cannot be made.
        Assert.Equal(FileStates.Uploaded, file.Status);
        Assert.All(file.Variants, v => Assert.Equal(VariantStates.Failed, v.Status));
        Assert.All(file.Variants, v => Assert.Contains("pixel", v.Reason, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(2, status.Counts.VariantsFailed);
        Assert.DoesNotContain("wp-content/uploads/2024/07/bomb.png.webp", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task GetJob_OriginDownThenBack_FailedRetryableThenDoneOnTheResentEvent()
    {
        var photo = Photo();
        _host.Origin.Serve("2024/07/later.jpg", photo, failFirst: 1000);
        var body = new EventBuilder(_host.Origin).File("2024/07/later.jpg", photo).Build();
        var jobId = await PostAsync(body);

        var failed = await WaitForStateAsync(jobId, s => s.State != JobStates.Pending);
        Assert.Equal((JobStates.Failed, true), (failed.State, failed.Retryable));
        Assert.True(failed.Files.Single().Retryable);
        Assert.NotNull(failed.Files.Single().Reason);
        Assert.DoesNotContain("wp-content/uploads/2024/07/later.jpg", await _host.KeysAsync(_host.MediaBucket));

        _host.Origin.Serve("2024/07/later.jpg", photo);
        Assert.Equal(jobId, await PostAsync(body, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1));

        var done = await WaitForStateAsync(jobId, s => s.State == JobStates.Done);
        Assert.Equal(1, done.Counts.Offloaded);
    }

    [Fact]
    public async Task GetJob_ContentNotWhatItsNameSays_FailedAndNotRetryable()
    {
        var html = ServiceHost.Utf8("<html>not a jpeg</html>");
        _host.Origin.Serve("2024/07/fake.jpg", html);
        var jobId = await PostAsync(new EventBuilder(_host.Origin).File("2024/07/fake.jpg", html).Build());

        var status = await WaitForStateAsync(jobId, s => s.State != JobStates.Pending);

        Assert.Equal((JobStates.Failed, false), (status.State, status.Retryable));
        Assert.False(status.Files.Single().Retryable);
    }

    [Theory]
    [InlineData("/v1/jobs/..%2f..%2fjobs%2fj-0123456789abcdef0123456789abcdef")]
    [InlineData("/v1/jobs/j-0123456789abcdef0123456789abcdef%2f..")]
    [InlineData("/v1/jobs/J-0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("/v1/jobs/j-0123")]
    [InlineData("/v1/jobs/..")]
    [InlineData("/v1/reports/..%2fjobs%2fx")]
    [InlineData("/v1/reports/backfill-20261201T152000Z-0a1b2c3d%2f..")]
    [InlineData("/v1/reports/backfill-2026-12-01-0a1b2c3d")]
    public async Task GetStatus_MalformedOrTraversingId_RefusedBeforeAnythingIsReadOrWritten(string target)
    {
        var before = await _host.KeysAsync(_host.ControlBucket);

        var response = await _host.GetSignedAsync(target);

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{target}: {(int)response.StatusCode}");
        // Not even the signature was spent: an id is checked before anything touches storage.
        Assert.Equal(before, await _host.KeysAsync(_host.ControlBucket));
    }

    [Fact]
    public async Task GetJob_UnsignedStaleWrongOrReplayed_401AndNothingAnswered()
    {
        var photo = Photo();
        _host.Origin.Serve("2024/07/secret.jpg", photo);
        var jobId = await PostAsync(new EventBuilder(_host.Origin).File("2024/07/secret.jpg", photo).Build());
        var path = $"/v1/jobs/{jobId}";
        var nonces = await _host.KeysAsync(_host.ControlBucket, "nonces/");

        var unsigned = await _host.Http.GetAsync(path);
        var stale = await _host.GetSignedAsync(path, timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301);
        var wrong = await _host.GetSignedAsync(path, secret: "another-secret-0123456789abcdef0123456789abcdef");
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = Core.Signing.RequestSigner.Sign(ServiceHost.Secret, Core.Signing.SigningAudience.Service, ts, "GET", path, []);
        var first = await Send(path, ts, signature);
        var replay = await Send(path, ts, signature);

        foreach (var response in new[] { unsigned, stale, wrong, replay })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain(jobId.Substring(2), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // Only the one good request spent a signature: a refused one writes nothing.
        Assert.Single((await _host.KeysAsync(_host.ControlBucket, "nonces/")).Except(nonces));
    }

    [Fact]
    public async Task GetJob_NoSuchJob_404()
    {
        var response = await _host.GetSignedAsync("/v1/jobs/j-0123456789abcdef0123456789abcdef");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetReport_AfterBackfill_TheStoredReportByteForByte()
    {
        var uploads = Directory.CreateTempSubdirectory("mo-report-");
        try
        {
            Directory.CreateDirectory(Path.Combine(uploads.FullName, "2024/08"));
            await File.WriteAllBytesAsync(Path.Combine(uploads.FullName, "2024/08/a.jpg"), Photo());
            _host.ServeAsWordPress(uploads.FullName, pageSize: 10);
            var started = await _host.PostSignedAsync("/v1/backfill", ServiceHost.Utf8("""{"action":"backfill"}"""));
            var runId = (await started.Content.ReadFromJsonAsync<RunAnswer>())!.RunId!;
            var reportKey = $"reports/{runId}.json";
            await _host.WaitForKeysAsync(_host.ControlBucket, reportKey);

            var response = await _host.GetSignedAsync($"/v1/reports/{runId}");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var stored = await _host.S3.GetObjectAsync(_host.ControlBucket, reportKey);
            using var copy = new MemoryStream();
            await stored.ResponseStream.CopyToAsync(copy);
            Assert.Equal(copy.ToArray(), await response.Content.ReadAsByteArrayAsync());
            var report = Core.Reconcile.ReconcileReport.FromJson(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(_host.Origin.BaseUrl, report.Site);
            Assert.Equal(1, report.Planned["Upload"]);
        }
        finally
        {
            uploads.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task GetReport_NoSuchRun_404()
    {
        var response = await _host.GetSignedAsync("/v1/reports/backfill-20261201T152000Z-0a1b2c3d");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<HttpResponseMessage> Send(string path, long ts, string signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(Core.Signing.RequestSigner.TimestampHeader, ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(Core.Signing.RequestSigner.SignatureHeader, signature);
        return await _host.Http.SendAsync(request);
    }

    private async Task<string> PostAsync(byte[] body, long? timestamp = null)
    {
        var response = await _host.PostSignedAsync("/v1/events", body, timestamp: timestamp);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
    }

    /// <summary>Polls as the plugin does, each time with a fresh signature, until <paramref name="until"/> holds.</summary>
    private async Task<JobStatus> WaitForStateAsync(string jobId, Func<JobStatus, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            // A signature is spent once (docs/signing.md), and two polls in one second would sign alike: step the clock.
            var response = await _host.GetSignedAsync($"/v1/jobs/{jobId}", timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 200 + _polls++);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = (await response.Content.ReadFromJsonAsync<JobStatus>())!;
            if (until(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} stayed {status.State}");
            await Task.Delay(200);
        }
    }

    private static byte[] Photo()
    {
        LibvipsRuntime.EnsureInitialized();
        using var image = TestImages.Pixels(320, 240, 3, TestImages.Gradient);
        return TestImages.Save(image, ".jpg");
    }
}
