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

    [Theory]
    [InlineData("Offload:Role", "gateway", "Offload:Role 'gateway' is unknown")]
    [InlineData("Offload:Role", null, "Offload:Role is required")]
    [InlineData("Offload:KeyPrefix", "x\"><img src=x onerror=alert(1)>", "Offload:KeyPrefix may hold only")]
    [InlineData("Offload:KeyPrefix", "wp-content/../uploads", "Offload:KeyPrefix has a '.' or '..' segment")]
    [InlineData("Offload:UploadsUrls:0", "https://elsewhere.example.com/media", "Offload:UploadsUrls:0 is not on a site")]
    [InlineData("Offload:UploadsUrls:0", "https://blog.example.com/media?x=1", "Offload:UploadsUrls:0 is not a usable uploads base URL")]
    [InlineData("Offload:Sites:0:KeySpace", "sites/../2", "Offload:Sites:0:KeySpace must be empty or like sites/2")]
    [InlineData("Offload:Sites:0:KeySpace", "", "Offload:Sites:1:KeySpace '' is another site's too")]
    [InlineData("Offload:Sites:0:Url", "ftp://net.example.com/site2", "Offload:Sites:0:Url is not a usable base URL")]
    [InlineData("Offload:Sites:0:SigningSecrets:0", "short", "Offload:Sites:0:SigningSecrets:0 is shorter than 32")]
    [InlineData("Offload:Sites:0:SigningSecrets:0", "main-site-secret-0123456789abcdef0123456789", "Offload:Sites:1:SigningSecrets:0 is also listed elsewhere")]
    public async Task Start_BadSetting_FailsNamingTheKey(string key, string? value, string expected)
    {
        var settings = ValidSettings();
        if (key.StartsWith("Offload:Sites:", StringComparison.Ordinal))
        {
            // A network: the second site is at fault, beside a valid main site.
            settings["Offload:Sites:0:Url"] = "https://blog.example.com/site2";
            settings["Offload:Sites:0:KeySpace"] = "sites/2";
            settings["Offload:Sites:0:SigningSecrets:0"] = "second-site-secret-0123456789abcdef01234567";
            settings["Offload:Sites:1:Url"] = "https://blog.example.com";
            settings["Offload:Sites:1:SigningSecrets:0"] = "main-site-secret-0123456789abcdef0123456789";
        }

        settings[key] = value;
        var app = ServiceHost.Build(settings, new CapturedLogs());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(expected, error.Message);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Start_LocalRoleAgainstRealS3_FailsBecauseItMapsTheUnsignedEndpoints()
    {
        var settings = ValidSettings();
        settings["Offload:Role"] = "local";
        settings.Remove("Offload:S3:ServiceUrl");
        var app = ServiceHost.Build(settings, new CapturedLogs());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Offload:Role=local", error.Message);
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
