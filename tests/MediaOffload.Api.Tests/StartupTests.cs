using System.Net.Http.Json;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Tests;

public sealed class StartupTests
{
    [Theory]
    [InlineData("Offload:MediaBucket")]
    [InlineData("Offload:ControlBucket")]
    [InlineData("Offload:SigningSecrets:0")]
    [InlineData("Offload:AllowedOrigins:0")]
    public async Task Start_RequiredKeyMissing_FailsNamingTheKey(string missing)
    {
        var settings = ValidSettings();
        settings.Remove(missing);
        var app = ServiceHost.Build(settings, new CapturedLogs());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        var expectedName = missing.EndsWith(":0", StringComparison.Ordinal) ? missing[..^2] : missing;
        Assert.Contains(expectedName, error.Message);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Start_ShortSecret_FailsWithoutEchoingIt()
    {
        var settings = ValidSettings();
        settings["Offload:SigningSecrets:0"] = "hunter2";
        var app = ServiceHost.Build(settings, new CapturedLogs());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Offload:SigningSecrets:0 is shorter than 32", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Start_HttpOriginWithoutAllowHttp_FailsNamingTheKey()
    {
        var settings = ValidSettings();
        settings["Offload:AllowedOrigins:0"] = "http://blog.example.com";
        var app = ServiceHost.Build(settings, new CapturedLogs());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Offload:AllowedOrigins:0 uses plain http", error.Message);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Worker_PrivateNetworksNotAllowed_RefusesLoopbackOrigin()
    {
        await using var host = await ServiceHost.StartAsync(s => s["Offload:AllowPrivateNetworks"] = "false");
        var content = ServiceHost.FakeJpeg(1000, seed: 2);
        host.Origin.Serve("2024/05/photo.jpg", content);

        var response = await host.PostSignedAsync("/v1/events", new EventBuilder(host.Origin).File("2024/05/photo.jpg", content).Build());
        var accepted = await response.Content.ReadFromJsonAsync<EventAccepted>();
        var delivery = await host.Notifier.WaitForAsync(d => d.Key == $"jobs/{accepted!.JobId}.json", TimeSpan.FromSeconds(30));

        var file = delivery.Response.Records.Single().Files!.Single();
        Assert.Equal(FileStatus.Failed, file.Status);
        Assert.Contains("loopback", file.Reason);
        Assert.Equal(0, host.Origin.TotalHits);
        Assert.Empty(await host.KeysAsync(host.MediaBucket));
    }

    private static Dictionary<string, string?> ValidSettings() => new()
    {
        ["Offload:Role"] = "api",
        ["Offload:MediaBucket"] = "media-bucket",
        ["Offload:ControlBucket"] = "control-bucket",
        ["Offload:SigningSecrets:0"] = ServiceHost.Secret,
        ["Offload:AllowedOrigins:0"] = "https://blog.example.com",
        ["Offload:S3:ServiceUrl"] = "http://127.0.0.1:9",
    };
}
