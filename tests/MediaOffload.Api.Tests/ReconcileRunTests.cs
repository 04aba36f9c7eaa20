using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Imaging.Tests;
using MediaOffload.TestSupport;

namespace MediaOffload.Api.Tests;

/// <summary>The Reconciler role against the plugin's signed manifest, the real emulator and the real worker.</summary>
public sealed class ReconcileRunTests : IAsyncLifetime
{
    private const string Prefix = "wp-content/uploads/";
    private ServiceHost _host = null!;
    private readonly List<object> _manifest = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        _host = await ServiceHost.StartAsync(configure);
        // missing.jpg is only in WordPress; drift.jpg is in the bucket with a stale Cache-Control and no variant;
        // orphan.jpg is only in the bucket.
        var missing = TestImages.Jpeg(64, 48);
        var drift = TestImages.Jpeg(48, 32);
        AddToWordPress("2024/05/drift.jpg", drift);
        AddToWordPress("2024/05/missing.jpg", missing);
        _host.Origin.ServeManifest(_manifest, pageSize: 1, ServiceHost.Secret);
        await PutAsync(Prefix + "2024/05/drift.jpg", drift, "public, max-age=60", new CachePolicy().Version);
        await PutAsync(Prefix + "2024/05/orphan.jpg", TestImages.Jpeg(16, 16), CachePolicy.LongLived, new CachePolicy().Version);
    }

    [Fact]
    public async Task Backfill_DriftOfEveryKind_IsFixedAndASecondReconcileFindsNone()
    {
        await StartAsync();

        var first = await _host.InvokeReconcilerAsync(new { action = "backfill", dryRun = false, delete = true, force = true });

        Assert.Equal("finished", first.Status);
        var planned = first.Report!.Planned;
        Assert.Equal(1, planned[nameof(PlanAction.Upload)]);
        Assert.Equal(1, planned[nameof(PlanAction.FixHeaders)]);
        Assert.Equal(1, planned[nameof(PlanAction.DeleteOrphan)]);
        Assert.True(planned[nameof(PlanAction.GenerateVariant)] >= 1);
        Assert.Empty(first.Report.Failures);
        await _host.WaitForKeysAsync(_host.MediaBucket, Prefix + "2024/05/missing.jpg.webp");
        var fixedHead = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, Prefix + "2024/05/drift.jpg");
        Assert.Equal(CachePolicy.LongLived, fixedHead.Headers.CacheControl);
        Assert.DoesNotContain(Prefix + "2024/05/orphan.jpg", await _host.KeysAsync(_host.MediaBucket));

        var second = await _host.InvokeReconcilerAsync(new { action = "reconcile" });

        Assert.True(second.Report!.InSync, JsonSerializer.Serialize(second.Report));
        Assert.Equal(0, second.Report.Drift);
    }

    [Fact]
    public async Task Backfill_RemoteOnlyFiles_NeverFetchedReplacedOrDeletedAndNotDrift()
    {
        // docs/remote-only.md: WordPress removed both local copies, so the origin serves neither. kept.jpg's object is
        // in the bucket; lost.jpg's is not, which a fetch cannot mend.
        _host = await ServiceHost.StartAsync();
        var kept = TestImages.Jpeg(40, 30);
        var lost = TestImages.Jpeg(30, 20);
        foreach (var (path, content) in new[] { ("2024/05/kept.jpg", kept), ("2024/05/lost.jpg", lost) })
        {
            _manifest.Add(new { path, size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg", modified = "2024-05-01T10:00:00Z", attachmentId = 7, remoteOnly = true });
        }

        _host.Origin.ServeManifest(_manifest, pageSize: 1, ServiceHost.Secret);
        await PutAsync(Prefix + "2024/05/kept.jpg", kept, CachePolicy.LongLived, new CachePolicy().Version);

        var first = (await _host.InvokeReconcilerAsync(new { action = "backfill", dryRun = false, delete = true, force = true })).Report!;

        Assert.Equal(0, _host.Origin.Hits("2024/05/kept.jpg") + _host.Origin.Hits("2024/05/lost.jpg"));
        Assert.Equal((0, 0, 0), (first.Planned[nameof(PlanAction.Upload)], first.Planned[nameof(PlanAction.Replace)], first.Planned[nameof(PlanAction.DeleteOrphan)]));
        Assert.Contains(first.Skipped, s => s.Key == Prefix + "2024/05/lost.jpg" && s.Reason.Contains("remote-only file has no object"));
        Assert.Equal(ServiceHost.Md5(kept), ETags.Normalize((await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, Prefix + "2024/05/kept.jpg")).ETag));
        // Variants come from the bucket's object, which needs no local copy.
        await _host.WaitForKeysAsync(_host.MediaBucket, Prefix + "2024/05/kept.jpg.webp", Prefix + "2024/05/kept.jpg.avif");

        var second = (await _host.InvokeReconcilerAsync(new { action = "reconcile" })).Report!;

        Assert.Equal(0, second.Drift);
        Assert.Empty(second.Failures);
        Assert.DoesNotContain(Prefix + "2024/05/lost.jpg", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Reconcile_UndecodableImage_FailsOnceThenIsKnownAndSkipped()
    {
        await StartAsync();
        var broken = ServiceHost.FakeJpeg(4096, seed: 9);
        AddToWordPress("2024/05/broken.jpg", broken);
        await PutAsync(Prefix + "2024/05/broken.jpg", broken, CachePolicy.LongLived, new CachePolicy().Version);

        var first = (await _host.InvokeReconcilerAsync(new { action = "backfill", dryRun = false, delete = true, force = true })).Report!;

        // One failure per variant key, from one read of the image (the .webp key takes the .avif key's verdict).
        string[] variantKeys = [Prefix + "2024/05/broken.jpg.avif", Prefix + "2024/05/broken.jpg.webp"];
        Assert.Equal(variantKeys, first.Failures.Select(f => f.Key));
        Assert.All(first.Failures, f => Assert.Contains("rejected", f.Reason));
        // Let the upload the backfill started land with its own variants, so the next run has nothing else to do.
        await _host.WaitForKeysAsync(_host.MediaBucket, Prefix + "2024/05/missing.jpg.avif", Prefix + "2024/05/missing.jpg.webp");

        var second = (await _host.InvokeReconcilerAsync(new { action = "reconcile" })).Report!;

        Assert.Equal(0, second.FailureCount);
        Assert.True(second.InSync, second.ToJson());
        foreach (var key in variantKeys)
        {
            Assert.StartsWith("known:", Assert.Single(second.Skipped, s => s.Key == key).Reason);
        }

        Assert.Equal(0, second.Requests["get"] + second.Requests["put"]);
        var keys = await _host.KeysAsync(_host.MediaBucket);
        Assert.DoesNotContain(keys, variantKeys.Contains);
    }

    [Fact]
    public async Task Backfill_DryRun_ChangesNothing()
    {
        await StartAsync();
        var before = await _host.KeysAsync(_host.MediaBucket);

        var answer = await _host.InvokeReconcilerAsync(new { action = "backfill", dryRun = true, delete = true, force = true });

        Assert.True(answer.Report!.DryRun);
        Assert.True(answer.Report.Drift >= 4);
        Assert.Equal(before, await _host.KeysAsync(_host.MediaBucket));
        Assert.Empty(await _host.KeysAsync(_host.ControlBucket, "jobs/"));
    }

    [Fact]
    public async Task Backfill_DeleteAboveCapWithoutForce_DeletesNothing()
    {
        await StartAsync();

        var answer = await _host.InvokeReconcilerAsync(new { action = "backfill", dryRun = false, delete = true });

        Assert.NotNull(answer.Report!.DeleteRefused);
        Assert.Contains(Prefix + "2024/05/orphan.jpg", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Backfill_DeleteWithoutDryRunFlag_IsADryRun()
    {
        await StartAsync();
        var before = await _host.KeysAsync(_host.MediaBucket);

        var answer = await _host.InvokeReconcilerAsync(new { action = "backfill", delete = true, force = true });

        Assert.True(answer.Report!.DryRun);
        Assert.Equal(1, answer.Report.Planned[nameof(PlanAction.DeleteOrphan)]);
        Assert.Equal(before, await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Backfill_BatchManifest_WritesHeaderFixesAsCsvInsteadOfCopying()
    {
        await StartAsync();

        var answer = await _host.InvokeReconcilerAsync(new { action = "backfill", batchManifest = true });

        var csvKey = (await _host.KeysAsync(_host.ControlBucket, $"reports/{answer.RunId}/")).Single();
        using var csv = await _host.S3.GetObjectAsync(_host.ControlBucket, csvKey);
        var text = await new StreamReader(csv.ResponseStream).ReadToEndAsync();
        Assert.Equal($"{_host.MediaBucket},wp-content/uploads/2024/05/drift.jpg\n", text);
        var head = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, Prefix + "2024/05/drift.jpg");
        Assert.Equal("public, max-age=60", head.Headers.CacheControl);
    }

    [Fact]
    public async Task PostBackfill_TightDeadline_ContinuesAcrossInvocationsFromCheckpoints()
    {
        await StartAsync(s =>
        {
            s["Offload:InvocationBudget"] = "00:00:00.001";
            s["Offload:Reconcile:SafetyMargin"] = "00:00:00";
        });

        var response = await _host.PostSignedAsync("/v1/backfill", Encoding.UTF8.GetBytes("{\"action\":\"backfill\"}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = (await response.Content.ReadFromJsonAsync<RunAnswer>())!.RunId;
        var report = await WaitForReportAsync(runId!);
        var invocations = _host.Notifier.Deliveries.Count(d => d.Path == ReconcileEventHandler.EndpointPath);
        Assert.True(invocations >= 3, $"expected the run to continue over several invocations, saw {invocations}");
        Assert.Equal(1, report.Done[nameof(PlanAction.Upload)]);
        Assert.Equal(1, report.Done[nameof(PlanAction.FixHeaders)]);
        Assert.Empty(await _host.KeysAsync(_host.ControlBucket, "checkpoints/"));
    }

    [Fact]
    public async Task PostBackfill_ManyInvocations_EachResumesAtItsManifestCursor()
    {
        await StartAsync(s =>
        {
            s["Offload:InvocationBudget"] = "00:00:00.001";
            s["Offload:Reconcile:SafetyMargin"] = "00:00:00";
        });
        for (var i = 0; i < 10; i++)
        {
            AddToWordPress($"2024/07/photo-{i:D2}.jpg", TestImages.Jpeg(8 + i, 8));
        }

        var response = await _host.PostSignedAsync("/v1/backfill", Encoding.UTF8.GetBytes("{\"action\":\"backfill\"}"));
        var report = await WaitForReportAsync((await response.Content.ReadFromJsonAsync<RunAnswer>())!.RunId!);

        Assert.Equal(11, report.Done[nameof(PlanAction.Upload)]);
        var invocations = _host.Notifier.Deliveries.Count(d => d.Path == ReconcileEventHandler.EndpointPath);
        Assert.True(invocations >= 10, $"expected many invocations, saw {invocations}");
        // One manifest entry per page and one item per invocation: a continuation reads on from the page its
        // checkpoint names, plus the merge's look-ahead, where reading from the start each time would cost about
        // pages x invocations / 2.
        var pages = _manifest.Count;
        var reads = _host.Origin.HitsAt(LoopbackOrigin.ManifestRoute);
        Assert.True(reads <= pages + 2 * invocations, $"{reads} manifest reads for {pages} pages over {invocations} invocations");
    }

    [Fact]
    public async Task PostBackfill_Unsigned_Returns401AndStartsNothing()
    {
        await StartAsync();

        var response = await _host.Http.PostAsync("/v1/backfill", new StringContent("{\"action\":\"backfill\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await _host.KeysAsync(_host.ControlBucket));
    }

    [Theory]
    [InlineData("{\"action\":\"explode\"}")]
    [InlineData("{\"action\":\"backfill\",\"prefix\":\"../etc/\"}")]
    [InlineData("not json")]
    public async Task PostReconcileEvent_BadRequest_Returns400(string body)
    {
        await StartAsync();

        var response = await _host.Http.PostAsync(ReconcileEventHandler.EndpointPath, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>Serves a file as WordPress would and lists it in the manifest, which must stay in byte order of path.</summary>
    private void AddToWordPress(string path, byte[] content)
    {
        _host.Origin.Serve(path, content);
        var at = _manifest.Count(e => string.CompareOrdinal((string)e.GetType().GetProperty("path")!.GetValue(e)!, path) < 0);
        _manifest.Insert(at, new { path, size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg", modified = "2024-05-01T10:00:00Z", attachmentId = 7 });
    }

    private async Task PutAsync(string key, byte[] content, string cacheControl, string policy)
    {
        var request = new PutObjectRequest { BucketName = _host.MediaBucket, Key = key, InputStream = new MemoryStream(content), ContentType = "image/jpeg" };
        request.Headers.CacheControl = cacheControl;
        request.Metadata.Add("source-md5", ServiceHost.Md5(content));
        request.Metadata.Add("source-modified", "2024-05-01T10:00:00Z");
        request.Metadata.Add("cache-policy", policy);
        await _host.S3.PutObjectAsync(request);
    }

    private async Task<ReconcileReport> WaitForReportAsync(string runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if ((await _host.KeysAsync(_host.ControlBucket, $"reports/{runId}.json")).Count == 1)
            {
                using var report = await _host.S3.GetObjectAsync(_host.ControlBucket, $"reports/{runId}.json");
                return ReconcileReport.FromJson(await new StreamReader(report.ResponseStream).ReadToEndAsync())!;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no report for {runId}");
            await Task.Delay(100);
        }
    }
}
