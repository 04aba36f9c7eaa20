using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Api.Tests;

/// <summary>
/// Origins that trickle or stall, against the real fetcher on a loopback origin: each transfer is cut off with a
/// reason, every file of a job gets an outcome before the invocation's deadline, and the manifest read is bounded.
/// </summary>
public sealed class TransferLimitTests
{
    [Fact]
    public async Task Worker_OriginTricklingAByteASecond_IsCutOffWithTheRateAndWritesNothing()
    {
        await using var host = await ServiceHost.StartAsync(s =>
        {
            s["Offload:Origin:RateWindow"] = "00:00:01";
            s["Offload:Origin:MinBytesPerSecond"] = "1000";
        });
        var content = ServiceHost.FakeJpeg(5000, seed: 1);
        host.Origin.Trickle("2024/05/slow.jpg", content, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var file = await RunJobAsync(host, new EventBuilder(host.Origin).File("2024/05/slow.jpg", content).Build());

        Assert.Equal(FileStatus.Failed, file.Status);
        Assert.Contains("below the minimum of 1000 bytes/s", file.Reason, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Empty(await host.KeysAsync(host.MediaBucket));
    }

    [Fact]
    public async Task Worker_OriginThatStalls_FailsAtTheFileTimeout()
    {
        await using var host = await ServiceHost.StartAsync(s =>
        {
            s["Offload:Origin:MinBytesPerSecond"] = "0";
            s["Offload:Origin:FileTimeout"] = "00:00:02";
        });
        var content = ServiceHost.FakeJpeg(5000, seed: 2);
        host.Origin.Trickle("2024/05/stalled.jpg", content, Timeout.InfiniteTimeSpan);

        var file = await RunJobAsync(host, new EventBuilder(host.Origin).File("2024/05/stalled.jpg", content).Build());

        Assert.Equal(FileStatus.Failed, file.Status);
        Assert.Contains("file timeout", file.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.KeysAsync(host.MediaBucket));
    }

    [Fact]
    public async Task OffloadEvent_NearTheLambdaDeadline_RecordsEveryFilesOutcomeBeforeIt()
    {
        await using var host = await ServiceHost.StartAsync(s =>
        {
            s["Offload:Origin:MinBytesPerSecond"] = "0";
            s["Offload:OutcomeMargin"] = "00:00:01";
            s["Offload:FileConcurrency"] = "1";
            s["Offload:S3:EmulateNotifications"] = "false";
        });
        var files = Enumerable.Range(0, 3).Select(i => ($"2024/05/stall-{i}.jpg", ServiceHost.FakeJpeg(4000, seed: 10 + i))).ToList();
        var job = new OffloadJob("j-deadline", "attachment.uploaded", host.Origin.BaseUrl, 7, files.Select(f =>
        {
            host.Origin.Trickle(f.Item1, f.Item2, Timeout.InfiniteTimeSpan);
            return new JobFile(f.Item1, "wp-content/uploads/" + f.Item1, host.Origin.UrlFor(f.Item1), f.Item2.Length, ServiceHost.Md5(f.Item2),
                MediaOffload.Core.Media.ObjectHeaderRules.ForOriginal(MediaOffload.Core.Media.MediaTypes.ForExtension("jpg")!, new MediaOffload.Core.Media.CachePolicy(), ServiceHost.Md5(f.Item2), null, null));
        }).ToList());
        await host.S3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = host.ControlBucket,
            Key = OffloadJob.KeyFor(job.JobId),
            ContentBody = System.Text.Encoding.UTF8.GetString(OffloadJob.ToJson(job)),
        });
        var deadline = DateTimeOffset.UtcNow.AddSeconds(4);
        var record = MediaOffload.Api.Notifications.S3NotificationFactory.Record("ObjectCreated:Put", host.ControlBucket, OffloadJob.KeyFor(job.JobId));
        var request = new HttpRequestMessage(HttpMethod.Post, "/events/offload")
        {
            Content = JsonContent.Create(new MediaOffload.Api.Notifications.S3Notification([record])),
        };
        request.Headers.Add(Invocation.LambdaContextHeader, $"{{\"deadline\":{deadline.ToUnixTimeMilliseconds()}}}");

        var response = await host.Http.SendAsync(request);
        var answeredAt = DateTimeOffset.UtcNow;

        Assert.True(answeredAt < deadline, $"answered {answeredAt - deadline} after the deadline");
        var outcomes = (await response.Content.ReadFromJsonAsync<EventResponse>())!.Records.Single().Files!;
        Assert.Equal(3, outcomes.Count);
        Assert.All(outcomes, o =>
        {
            Assert.Equal(FileStatus.Failed, o.Status);
            Assert.Contains("deadline", o.Reason, StringComparison.Ordinal);
        });
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Reconcile_ManifestThatTrickles_EndsWithTheFailureInsteadOfHanging()
    {
        await using var host = await ServiceHost.StartAsync(s =>
        {
            s["Offload:Reconcile:ManifestPageTimeout"] = "00:00:02";
            s["Offload:Reconcile:MaxManifestAttempts"] = "1";
            s["Offload:Origin:MinBytesPerSecond"] = "0";
        });
        host.Origin.ServeManifest([new { path = "2024/05/a.jpg", size = 10, md5 = new string('a', 32), mime = "image/jpeg", attachmentId = 1 }], pageSize: 10, ServiceHost.Secret);
        host.Origin.TrickleManifest(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var response = await host.Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, new { action = "reconcile" });
        var answer = (await response.Content.ReadFromJsonAsync<RunAnswer>())!;

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal("finished", answer.Status);
        var failure = Assert.Single(answer.Report!.Failures);
        Assert.Contains("manifest page not read within 2 s", failure.Reason, StringComparison.Ordinal);
        Assert.False(answer.Report.InSync);
        Assert.Empty(await host.KeysAsync(host.MediaBucket));
    }

    [Fact]
    public async Task Reconcile_ManifestThatFailsOnce_SavesTheCheckpointAndIsTriedAgain()
    {
        await using var host = await ServiceHost.StartAsync(s =>
        {
            s["Offload:Reconcile:ManifestPageTimeout"] = "00:00:01";
            s["Offload:Origin:MinBytesPerSecond"] = "0";
        });
        host.Origin.ServeManifest([], pageSize: 10, ServiceHost.Secret);
        host.Origin.TrickleManifest(TimeSpan.FromSeconds(1));

        var response = await host.Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, new { action = "reconcile" });
        var answer = (await response.Content.ReadFromJsonAsync<RunAnswer>())!;

        Assert.Equal("continues", answer.Status);
        // The saved checkpoint's notification is the next attempt, and so on to the cap, which ends the run.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await host.KeysAsync(host.ControlBucket, $"reports/{answer.RunId}.json")).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the run never ended");
            await Task.Delay(200);
        }

        Assert.True(host.Notifier.Deliveries.Count(d => d.Path == ReconcileEventHandler.EndpointPath) >= 2);
        Assert.Empty(await host.KeysAsync(host.ControlBucket, "checkpoints/"));
    }

    [Fact]
    public async Task Reconcile_ManifestRedirect_IsNotFollowedNorSignedAgain()
    {
        await using var host = await ServiceHost.StartAsync(s => s["Offload:Reconcile:MaxManifestAttempts"] = "1");
        host.Origin.ServeManifest([], pageSize: 10, ServiceHost.Secret);
        host.Origin.RedirectManifest(host.Origin.BaseUrl + "/index.php?rest_route=/media-offload/v1/manifest");

        var response = await host.Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, new { action = "reconcile", });
        var answer = (await response.Content.ReadFromJsonAsync<RunAnswer>())!;

        var failure = Assert.Single(answer.Report!.Failures);
        Assert.Contains("redirect", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("not re-signed", failure.Reason, StringComparison.Ordinal);
        // One signed request to the manifest route; the redirect target is never asked, signed or not.
        Assert.Equal(1, host.Origin.TotalHits);
        Assert.Single(host.Origin.SignaturesSeen);
    }

    private static async Task<FileOutcome> RunJobAsync(ServiceHost host, byte[] body)
    {
        var response = await host.PostSignedAsync("/v1/events", body);
        var jobId = (await response.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
        var delivery = await host.Notifier.WaitForAsync(d => d.Key == $"jobs/{jobId}.json", TimeSpan.FromSeconds(60));
        return delivery.Response.Records.Single().Files!.Single();
    }
}
