using System.Net;
using System.Net.Http.Json;
using System.Text;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Signing;

namespace MediaOffload.Api.Tests;

/// <summary>
/// The service's edges against the real app on Kestrel and moto: routes per role, canonical targets, single-use
/// signatures, body caps and what a response may say. Each hostile case checks what was not written or started.
/// </summary>
public sealed class EdgeTests
{
    private static readonly byte[] Backfill = Encoding.UTF8.GetBytes("{\"action\":\"backfill\",\"dryRun\":true}");

    [Theory]
    [InlineData("/events/reconcile", "{\"action\":\"reconcile\"}")]
    [InlineData("/events/offload", "{\"Records\":[]}")]
    [InlineData("/events/variants", "{\"Records\":[]}")]
    public async Task ApiRole_EventEndpoint_DoesNotExist(string path, string body)
    {
        await using var host = await ServiceHost.StartAsync(s => s["Offload:Role"] = "api");

        var response = await host.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await host.KeysAsync(host.ControlBucket));
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("offload")]
    [InlineData("variants")]
    [InlineData("reconcile")]
    public async Task EventRole_SignedRoutes_DoNotExist(string role)
    {
        await using var host = await ServiceHost.StartAsync(s => s["Offload:Role"] = role);

        var response = await host.PostSignedAsync("/v1/backfill", Backfill);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await host.KeysAsync(host.ControlBucket));
    }

    [Fact]
    public async Task ReconcileRole_OwnEndpoint_Exists()
    {
        await using var host = await ServiceHost.StartAsync(s => s["Offload:Role"] = "reconcile");
        host.Origin.ServeManifest([], pageSize: 10, ServiceHost.Secret);

        var response = await host.Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, new { action = "reconcile" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/%2e%2e/events/reconcile")]
    [InlineData("/v1/%2E%2E/events/reconcile")]
    [InlineData("/v1/../events/reconcile")]
    [InlineData("/v1/./../events/reconcile")]
    [InlineData("//events/reconcile")]
    [InlineData("/events//reconcile")]
    [InlineData("/events%2freconcile")]
    [InlineData("/events\\reconcile")]
    public async Task NonCanonicalTarget_IsRefusedBeforeRoutingAndStartsNoRun(string target)
    {
        // The local role maps the unsigned reconcile endpoint, so a target that routing resolved onto it would start a run.
        await using var host = await ServiceHost.StartAsync();
        host.Origin.ServeManifest([], pageSize: 10, ServiceHost.Secret);

        var (status, body) = await host.SendRawAsync("POST", target, "{\"action\":\"reconcile\"}");

        Assert.Equal(400, status);
        Assert.Contains("not canonical", body, StringComparison.Ordinal);
        Assert.Empty(await host.KeysAsync(host.ControlBucket));
        Assert.Equal(0, host.Origin.TotalHits);
    }

    [Theory]
    [InlineData("/v1/events", null)]
    [InlineData("/v1/events?x=1", null)]
    [InlineData("/healthz/", null)]
    [InlineData("/v1/%2e%2e/x", "encoded")]
    [InlineData("/a/./b", "'.' or '..'")]
    [InlineData("//a", "empty segment")]
    [InlineData("http://evil/v1/events", "path starting")]
    [InlineData("*", "path starting")]
    public void CanonicalTarget_Check_NamesTheRuleBroken(string target, string? expected)
    {
        var problem = CanonicalTarget.Check(target);
        if (expected is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SignedRequest_SentTwice_IsServedOnceAndTheReplayStartsNoRun()
    {
        await using var host = await ServiceHost.StartAsync();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var first = await host.PostSignedAsync("/v1/backfill", Backfill, timestamp: ts);
        var replay = await host.PostSignedAsync("/v1/backfill", Backfill, timestamp: ts);
        var upperCased = await host.PostSignedAsync("/v1/backfill", Backfill, timestamp: ts, tamper: r =>
        {
            var signature = r.Headers.GetValues(RequestSigner.SignatureHeader).Single();
            r.Headers.Remove(RequestSigner.SignatureHeader);
            r.Headers.Add(RequestSigner.SignatureHeader, "v2=" + signature[3..].ToUpperInvariant());
        });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already used", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, upperCased.StatusCode);
        var runId = (await first.Content.ReadFromJsonAsync<RunAnswer>())!.RunId;
        await WaitForAsync(async () => (await host.KeysAsync(host.ControlBucket, "reports/")).Count > 0);
        await Task.Delay(500);
        Assert.Equal([$"reports/{runId}.json"], await host.KeysAsync(host.ControlBucket, "reports/"));
    }

    [Fact]
    public async Task Backfill_WithForceOverHttp_IsRefusedAndStartsNothing()
    {
        await using var host = await ServiceHost.StartAsync();

        var response = await host.PostSignedAsync("/v1/backfill", Encoding.UTF8.GetBytes("{\"action\":\"backfill\",\"delete\":true,\"dryRun\":false,\"force\":true}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("force", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await host.KeysAsync(host.ControlBucket, "checkpoints/"));
    }

    [Theory]
    [InlineData(false, HttpStatusCode.Unauthorized)]
    [InlineData(true, HttpStatusCode.Accepted)]
    public async Task SignatureVersion1_IsAcceptedOnlyBehindTheSetting(bool accept, HttpStatusCode expected)
    {
        await using var host = await ServiceHost.StartAsync(s => s["Offload:AcceptSignatureV1"] = accept ? "true" : "false");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var response = await host.PostSignedAsync("/v1/backfill", Backfill, timestamp: ts, tamper: r =>
        {
            r.Headers.Remove(RequestSigner.SignatureHeader);
            r.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(SignatureVersion.V1, ServiceHost.Secret, "", ts, "POST", "/v1/backfill", Backfill));
        });

        Assert.Equal(expected, response.StatusCode);
        if (!accept)
        {
            Assert.Contains("version 1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Empty(await host.KeysAsync(host.ControlBucket, "checkpoints/"));
        }
    }

    [Theory]
    [InlineData("/events/offload")]
    [InlineData("/events/variants")]
    [InlineData("/events/reconcile")]
    public async Task EventEndpoint_BodyOverTheLambdaLimit_Returns413AndHandlesNothing(string path)
    {
        await using var host = await ServiceHost.StartAsync();
        var records = "{\"Records\":[" + string.Join(',', Enumerable.Repeat("{\"eventName\":\"ObjectCreated:Put\"}", 40_000)) + "]}";
        Assert.True(Encoding.UTF8.GetByteCount(records) > S3EventsApi.MaxEventBodyBytes);

        var response = await host.Http.PostAsync(path, new StringContent(records, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(host.Notifier.Deliveries);
        Assert.Empty(await host.KeysAsync(host.ControlBucket));
    }

    [Fact]
    public async Task FailedRecord_Response_NamesNoBucketButTheLogDoes()
    {
        const string missingBucket = "no-such-media-bucket-for-edges";
        await using var host = await ServiceHost.StartAsync(s => s["Offload:MediaBucket"] = missingBucket);
        var content = ServiceHost.FakeJpeg(2000, seed: 5);
        host.Origin.Serve("2024/05/a.jpg", content);

        var accepted = await host.PostSignedAsync("/v1/events", new EventBuilder(host.Origin).File("2024/05/a.jpg", content).Build());
        var jobId = (await accepted.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
        var delivery = await host.Notifier.WaitForAsync(d => d.Key == $"jobs/{jobId}.json", TimeSpan.FromSeconds(30));

        var json = System.Text.Json.JsonSerializer.Serialize(delivery.Response);
        Assert.True(delivery.Response.AnyFailed);
        Assert.Contains("the bucket does not exist", json, StringComparison.Ordinal);
        Assert.DoesNotContain(missingBucket, json, StringComparison.Ordinal);
        Assert.Contains(missingBucket, host.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedRun_Answer_NamesNoBucket()
    {
        const string missingBucket = "no-such-media-bucket-for-runs";
        await using var host = await ServiceHost.StartAsync(s => s["Offload:MediaBucket"] = missingBucket);
        host.Origin.ServeManifest([], pageSize: 10, ServiceHost.Secret);

        var response = await host.Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, new { action = "reconcile" });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("failed", body, StringComparison.Ordinal);
        Assert.DoesNotContain(missingBucket, body, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}
