using System.Net.Http.Json;
using System.Text;
using MediaOffload.Core.Signing;

namespace MediaOffload.Api.Tests;

public sealed class LogSecrecyTests
{
    [Fact]
    public async Task Logs_AcceptedAndRefusedRequests_NeverContainSecretsOrSignatures()
    {
        const string rotatedSecret = "rotated-secret-fedcba9876543210fedcba9876543210";
        const string wrongSecret = "attacker-secret-00000000000000000000000000000000";
        await using var host = await ServiceHost.StartAsync(s => s["Offload:SigningSecrets:1"] = rotatedSecret);
        var content = ServiceHost.FakeJpeg(1200, seed: 4);
        host.Origin.Serve("2024/05/photo.jpg", content);
        var body = new EventBuilder(host.Origin).File("2024/05/photo.jpg", content).Build();
        var signatures = new List<string>();

        async Task SendAsync(string secret, long? ts = null, byte[]? payload = null)
        {
            var response = await host.PostSignedAsync("/v1/events", payload ?? body, secret, ts, r => signatures.Add(r.Headers.GetValues(RequestSigner.SignatureHeader).Single()));
            response.Dispose();
        }

        await SendAsync(ServiceHost.Secret);
        await SendAsync(rotatedSecret);
        await SendAsync(wrongSecret);
        await SendAsync(ServiceHost.Secret, DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        await SendAsync(ServiceHost.Secret, payload: Encoding.UTF8.GetBytes("{broken"));
        await host.Notifier.WaitForAsync(d => d.Key.StartsWith("jobs/", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        var logs = host.Logs.All;
        Assert.Contains("signature Mismatch", logs);
        foreach (var secret in new[] { ServiceHost.Secret, rotatedSecret, wrongSecret })
        {
            Assert.DoesNotContain(secret, logs);
        }

        Assert.Equal(5, signatures.Count);
        foreach (var signature in signatures)
        {
            Assert.DoesNotContain(signature["v2=".Length..], logs);
        }
    }

    [Fact]
    public async Task Logs_BackfillAndTheManifestSignaturesItSends_NeverAppear()
    {
        await using var host = await ServiceHost.StartAsync();
        host.Origin.ServeManifest([new { path = "2024/05/a.pdf", size = 9, md5 = new string('b', 32), mime = "application/pdf", attachmentId = 3 }], pageSize: 1, ServiceHost.Secret);
        var inbound = new List<string>();
        var body = Encoding.UTF8.GetBytes("{\"action\":\"backfill\",\"dryRun\":true}");

        var accepted = await host.PostSignedAsync("/v1/backfill", body, tamper: r => inbound.Add(r.Headers.GetValues(RequestSigner.SignatureHeader).Single()));
        var replay = await host.PostSignedAsync("/v1/backfill", body, timestamp: long.Parse(accepted.RequestMessage!.Headers.GetValues(RequestSigner.TimestampHeader).Single()));
        var runId = (await accepted.Content.ReadFromJsonAsync<MediaOffload.Api.Http.RunAnswer>())!.RunId;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await host.KeysAsync(host.ControlBucket, $"reports/{runId}.json")).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the backfill never finished");
            await Task.Delay(100);
        }

        var outbound = host.Origin.SignaturesSeen.ToList();
        Assert.NotEmpty(outbound);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, replay.StatusCode);
        var logs = host.Logs.All;
        Assert.Contains("already used", logs);
        Assert.DoesNotContain(ServiceHost.Secret, logs);
        foreach (var signature in inbound.Concat(outbound))
        {
            Assert.DoesNotContain(signature["v2=".Length..], logs);
        }
    }
}
