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
}
