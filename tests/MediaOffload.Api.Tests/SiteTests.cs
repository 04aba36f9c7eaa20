using System.Net;
using System.Net.Http.Json;
using MediaOffload.Api.Http;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Api.Tests;

/// <summary>
/// A two-site subdirectory network on one service: each site with its own bound secret and key space
/// (docs/status.md, "Sites and their secrets"), against moto and the loopback origin.
/// </summary>
public sealed class SiteTests : IAsyncLifetime
{
    private const string MainSecret = "main-site-secret-0123456789abcdef0123456789";
    private const string SecondSecret = "second-site-secret-0123456789abcdef01234567";
    private ServiceHost _host = null!;
    private string _main = null!;
    private string _second = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync(settings =>
        {
            var origin = settings["Offload:AllowedOrigins:0"]!;
            settings.Remove("Offload:AllowedOrigins:0");
            settings["Offload:Sites:0:Url"] = origin + "/site2";
            settings["Offload:Sites:0:KeySpace"] = "sites/2";
            settings["Offload:Sites:0:SigningSecrets:0"] = SecondSecret;
            settings["Offload:Sites:1:Url"] = origin;
            settings["Offload:Sites:1:SigningSecrets:0"] = MainSecret;
        });
        _main = _host.Origin.BaseUrl;
        _second = _host.Origin.BaseUrl + "/site2";
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("second secret, main site", SecondSecret, false, "2024/05/a.jpg")]
    [InlineData("second secret, its own site, the main site's path", SecondSecret, true, "2024/05/a.jpg")]
    [InlineData("second secret, its own site, a traversal out of its key space", SecondSecret, true, "sites/2/../../2024/05/a.jpg")]
    [InlineData("main secret, the second site's key space", MainSecret, false, "sites/2/2024/05/a.jpg")]
    [InlineData("main secret, the second site", MainSecret, true, "sites/2/2024/05/a.jpg")]
    public async Task PostEvent_OtherSitesSiteOrKeySpace_RefusedAndNothingWritten(string why, string secret, bool forSecondSite, string path)
    {
        var content = ServiceHost.FakeJpeg(3000, seed: 3);
        _host.Origin.Serve(path, content);
        var body = Event(forSecondSite ? _second : _main, path, content);

        var response = await _host.PostSignedAsync("/v1/events", body, secret);

        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity, $"{why}: {(int)response.StatusCode}");
        Assert.Empty(await _host.KeysAsync(_host.ControlBucket, "jobs/"));
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
        Assert.Equal(0, _host.Origin.TotalHits);
    }

    [Fact]
    public async Task GetJob_SignedWithTheOtherSitesSecret_404WhileItsOwnSees200()
    {
        var content = ServiceHost.FakeJpeg(3000, seed: 4);
        _host.Origin.Serve("sites/2/2024/05/b.jpg", content);
        var posted = await _host.PostSignedAsync("/v1/events", Event(_second, "sites/2/2024/05/b.jpg", content), SecondSecret);
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var jobId = (await posted.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
        await _host.WaitForKeysAsync(_host.MediaBucket, "wp-content/uploads/sites/2/2024/05/b.jpg");

        var other = await _host.GetSignedAsync($"/v1/jobs/{jobId}", MainSecret);
        var own = await _host.GetSignedAsync($"/v1/jobs/{jobId}", SecondSecret);

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.DoesNotContain("sites/2", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(_second, (await own.Content.ReadFromJsonAsync<JobStatus>())!.Site);
    }

    [Fact]
    public async Task Reconcile_Network_OneRunPerSiteEachInItsKeySpaceAndTheMainSiteDeletesNothingOfTheSecond()
    {
        // Documents, so no variant step waits on an encode between the runs.
        var mainFile = ServiceHost.Utf8("%PDF-1.4\n% the main site's\n%%EOF\n");
        var secondFile = ServiceHost.Utf8("%PDF-1.4\n% the second site's\n%%EOF\n");
        _host.Origin.Serve("2024/05/main.pdf", mainFile);
        _host.Origin.Serve("sites/2/2024/05/second.pdf", secondFile);
        _host.Origin.ServeManifest([Entry("2024/05/main.pdf", mainFile, 11)], 10, MainSecret);
        _host.Origin.ServeManifest([Entry("sites/2/2024/05/second.pdf", secondFile, 21)], 10, SecondSecret, "/site2");

        var answer = await _host.InvokeReconcilerAsync(new { action = "reconcile" });
        Assert.Equal(2, answer.Started!.Count);
        var reports = await ReportsAsync(answer.Started);
        await _host.WaitForKeysAsync(_host.MediaBucket, "wp-content/uploads/2024/05/main.pdf", "wp-content/uploads/sites/2/2024/05/second.pdf");

        var main = reports.Single(r => r.Site == _main);
        var second = reports.Single(r => r.Site == _second);
        Assert.Equal("wp-content/uploads/", main.Prefix);
        Assert.Equal("wp-content/uploads/sites/2/", second.Prefix);
        Assert.Equal((1, 1), (main.Planned["Upload"], second.Planned["Upload"]));

        // Now a destructive run of the main site alone: the second site's objects are not its orphans.
        var delete = await _host.InvokeReconcilerAsync(new { action = "reconcile", site = _main, delete = true, dryRun = false });
        Assert.Equal("finished", delete.Status);
        Assert.True(delete.Report!.Drift == 0, string.Join(", ", delete.Report.Planned.Select(p => $"{p.Key}={p.Value}")) + " " + string.Join("; ", delete.Report.Failures.Select(f => f.Key + ": " + f.Reason)));
        Assert.DoesNotContain("Delete", delete.Report.Planned.Where(p => p.Value > 0).Select(p => p.Key));
        Assert.Contains("wp-content/uploads/sites/2/2024/05/second.pdf", await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task PostBackfill_SecondSitesSecret_RunsForTheSecondSiteOnlyAndItsReportIsHiddenFromTheMain()
    {
        _host.Origin.ServeManifest([], 10, SecondSecret, "/site2");
        var started = await _host.PostSignedAsync("/v1/backfill", ServiceHost.Utf8("""{"action":"backfill"}"""), SecondSecret);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Content.ReadFromJsonAsync<RunAnswer>())!.RunId!;
        var report = (await ReportsAsync([runId])).Single();

        var other = await _host.GetSignedAsync($"/v1/reports/{runId}", MainSecret);
        var own = await _host.GetSignedAsync($"/v1/reports/{runId}", SecondSecret);
        var forMain = await _host.PostSignedAsync("/v1/backfill", ServiceHost.Utf8($$"""{"action":"backfill","site":"{{_main}}"}"""), SecondSecret);
        var outside = await _host.PostSignedAsync("/v1/backfill", ServiceHost.Utf8("""{"action":"backfill","prefix":"2024/"}"""), SecondSecret,
            timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        Assert.Equal(_second, report.Site);
        Assert.Equal("wp-content/uploads/sites/2/", report.Prefix);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forMain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Single(await _host.KeysAsync(_host.ControlBucket, "reports/"));
    }

    private async Task<List<ReconcileReport>> ReportsAsync(IReadOnlyList<string> runIds)
    {
        var keys = runIds.Select(id => $"reports/{id}.json").ToArray();
        await _host.WaitForKeysAsync(_host.ControlBucket, keys);
        var reports = new List<ReconcileReport>();
        foreach (var key in keys)
        {
            using var obj = await _host.S3.GetObjectAsync(_host.ControlBucket, key);
            using var reader = new StreamReader(obj.ResponseStream);
            reports.Add(ReconcileReport.FromJson(await reader.ReadToEndAsync())!);
        }

        return reports;
    }

    private byte[] Event(string site, string path, byte[] content) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
    {
        type = "attachment.uploaded",
        site,
        attachmentId = 7,
        files = new[] { new { path, url = _host.Origin.UrlFor(path), size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg", modified = "2024-05-01T10:00:00Z" } },
    });

    private static object Entry(string path, byte[] content, long attachmentId) => new
    {
        path, size = content.Length, md5 = ServiceHost.Md5(content), mime = "application/pdf", modified = "2024-05-01T10:00:00Z", attachmentId,
    };
}
