using MediaOffload.Cli.Commands;
using MediaOffload.Core.Media;

namespace MediaOffload.Cli.Tests;

/// <summary>Each command's own options: --cache-control, parse-time validation and what --help promises.</summary>
public sealed class CommandOptionsTests
{
    private const string Override = "public, max-age=600";

    [Fact]
    public async Task SyncHelp_Requested_DocumentsExitCodesAndTheRejectedFileRule()
    {
        var output = new StringWriter();

        Assert.Equal(0, await CliApp.RunAsync(["sync", "--help"], output, new StringWriter(), CancellationToken.None));

        var help = string.Join(' ', output.ToString().Split((char[])['\n', ' '], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Exit codes: 0 in sync; 1 drift or new failures remain; 2 usage error.", help);
        Assert.Contains("fails the run the first time it is seen", help);
        Assert.Contains("remembered in the state file with its reason", help);
        Assert.Contains("later runs list it under skipped and do not fail because of it, until the file changes", help);
        Assert.Contains("--cache-control", help);
    }

    [Theory]
    [InlineData("reconcile")]
    [InlineData("verify")]
    public async Task Help_OtherCommands_DocumentExitCodesAndOnlyTheirOptions(string command)
    {
        var output = new StringWriter();

        Assert.Equal(0, await CliApp.RunAsync([command, "--help"], output, new StringWriter(), CancellationToken.None));

        var help = output.ToString();
        Assert.Contains("Exit codes:", help);
        Assert.Contains("--cache-control", help);
        Assert.DoesNotContain("--delete", help);
        Assert.DoesNotContain("--memory-budget", help);
    }

    [Theory]
    [InlineData("--cache-control", "jpg")]
    [InlineData("--cache-control", "=x")]
    [InlineData("--cache-control", "exe=no-cache")]
    [InlineData("--cache-control", "jpg=line\nbreak")]
    [InlineData("--memory-budget", "10")]
    [InlineData("--max-delete-percent", "150")]
    [InlineData("--variant-formats", "avif")]
    [InlineData("--variant-formats", "webp,jxl")]
    public async Task Sync_BadOptionValue_ExitsTwoNamingTheOption(string option, string value)
    {
        var error = new StringWriter();

        Assert.Equal(2, await CliApp.RunAsync(["sync", ".", "--bucket", "media", option, value], new StringWriter(), error, CancellationToken.None));

        Assert.StartsWith("error:", error.ToString());
        Assert.Contains(option, error.ToString());
    }

    [Fact]
    public async Task Verify_SyncOnlyOption_IsAUsageError()
    {
        Assert.Equal(2, await CliApp.RunAsync(["verify", "--bucket", "media", "--delete"], new StringWriter(), new StringWriter(), CancellationToken.None));
    }

    [Fact]
    public async Task Sync_CacheControlForJpg_WritesItOnTheJpegAndItsVariantAndVerifyAgrees()
    {
        await using var h = await CliHarness.CreateAsync("cachecontrol");
        h.WriteImage("2024/05/photo.jpg", width: 64);
        h.Write("2024/05/doc.pdf", CliHarness.Pdf("a"));

        var (exit, _, _, error) = await h.RunAsync("sync", "--cache-control", $"jpg={Override}");
        Assert.True(exit == 0, error);

        Assert.Equal(Override, (await h.HeadAsync(h.Key("2024/05/photo.jpg"))).Headers.CacheControl);
        Assert.Equal(Override, (await h.HeadAsync(h.Key("2024/05/photo.jpg.webp"))).Headers.CacheControl);
        Assert.Equal(Override, (await h.HeadAsync(h.Key("2024/05/photo.jpg.avif"))).Headers.CacheControl);
        Assert.Equal(CachePolicy.LongLived, (await h.HeadAsync(h.Key("2024/05/doc.pdf"))).Headers.CacheControl);

        var same = await h.RunAsync("verify", "--cache-control", $"jpg={Override}");
        Assert.Equal(0, same.Exit);
        Assert.Equal(0, same.Report!.Drift);

        // Without the override verify holds the objects to the default policy: the JPEG and its variant carry the
        // wrong Cache-Control, and every object records the version of the overridden table, the PDF's included.
        var without = await h.RunAsync("verify");
        Assert.Equal(1, without.Exit);
        var problems = without.Report!.Plan!.ToDictionary(p => p.Key, p => p.Reason);
        Assert.Equal([h.Key("2024/05/doc.pdf"), h.Key("2024/05/photo.jpg"), h.Key("2024/05/photo.jpg.avif"), h.Key("2024/05/photo.jpg.webp")], problems.Keys.Order(StringComparer.Ordinal));
        Assert.Contains($"Cache-Control is '{Override}'", problems[h.Key("2024/05/photo.jpg")]);
        Assert.Contains(Override, problems[h.Key("2024/05/photo.jpg.webp")]);
    }

    [Fact]
    public async Task Sync_AvifTurnedOff_DeletesOnlyOurAvifVariantsAndKeepsWebP()
    {
        await using var h = await CliHarness.CreateAsync("formats");
        h.WriteImage("2024/05/photo.jpg", width: 64);
        Assert.Equal(0, (await h.RunAsync("sync")).Exit);
        Assert.Contains(h.Key("2024/05/photo.jpg.avif"), await h.KeysAsync());

        var dry = await h.RunAsync("sync", "--variant-formats", "webp", "--dry-run");
        var capped = await h.RunAsync("sync", "--variant-formats", "webp", "--delete");
        var keysAfterCapped = await h.KeysAsync();
        var (exit, report, _, error) = await h.RunAsync("sync", "--variant-formats", "webp", "--delete", "--force");

        var step = Assert.Single(dry.Report!.Plan!, p => p.Action != "Skip");
        Assert.Equal(("DeleteOrphan", h.Key("2024/05/photo.jpg.avif")), (step.Action, step.Key));
        // Turning a format off is a mass delete on a real library, so the delete cap holds it back like any other.
        Assert.Equal(1, capped.Exit);
        Assert.NotNull(capped.Report!.DeleteRefused);
        Assert.Contains(h.Key("2024/05/photo.jpg.avif"), keysAfterCapped);
        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Equal([h.Key("2024/05/photo.jpg"), h.Key("2024/05/photo.jpg.webp")], await h.KeysAsync());
    }

    [Theory]
    [InlineData(".media-offload-remote-only")]
    [InlineData("sites/2/.media-offload-remote-only")]
    public async Task SyncDelete_FolderWithRemoteOnlyMarker_RefusedAndNothingDeleted(string marker)
    {
        // docs/remote-only.md: WordPress removed gone.pdf's local copy once the bucket vouched for it; its object is
        // the only copy, and the folder's marker says so.
        await using var h = await CliHarness.CreateAsync("remote-only");
        h.Write("2024/05/gone.pdf", CliHarness.Pdf("gone"));
        h.Write("2024/05/here.pdf", CliHarness.Pdf("here"));
        Assert.Equal(0, (await h.RunAsync("sync")).Exit);
        File.Delete(Path.Combine(h.Uploads, "2024/05/gone.pdf"));
        h.Write(marker, System.Text.Encoding.UTF8.GetBytes("""{"files":1,"bytes":20,"updated":"2026-12-01T00:00:00Z"}"""));
        // A marker write the plugin was killed in the middle of leaves its temporary name behind.
        h.Write(marker + ".0a1b2c3d", System.Text.Encoding.UTF8.GetBytes("{"));

        var refused = await h.RunAsync("sync", "--delete", "--force");
        var plain = await h.RunAsync("sync");

        Assert.Equal(2, refused.Exit);
        Assert.Contains("--delete refused", refused.Error);
        Assert.Contains(h.Key("2024/05/gone.pdf"), await h.KeysAsync());
        // Without --delete the marker is not a file of the library: it is neither uploaded nor reported as rejected.
        Assert.DoesNotContain(await h.KeysAsync(), k => k.Contains("remote-only", StringComparison.Ordinal));
        Assert.DoesNotContain(plain.Report!.Skipped, s => s.Key.Contains("remote-only", StringComparison.Ordinal));
        Assert.Contains(h.Key("2024/05/gone.pdf"), await h.KeysAsync());
    }
}
