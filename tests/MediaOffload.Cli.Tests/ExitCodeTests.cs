using MediaOffload.Core.Reconcile;

namespace MediaOffload.Cli.Tests;

/// <summary>
/// The exit-code rule for cron (docs/reconcile.md, "Exit codes"): a file that can never be processed fails the run
/// that first meets it and is remembered; later runs list it as skipped and pass, until the file changes.
/// </summary>
public class ExitCodeTests
{
    [Fact]
    public async Task Sync_UndecodableImage_FailsOnceThenKnownRejectionPassesAndANewOneFailsAgain()
    {
        await using var h = await CliHarness.CreateAsync("exit");
        h.WriteImage("2024/05/good.jpg");
        h.Write("2024/05/broken.jpg", NotAnImage(seed: 1));

        var (exit, report, _, error) = await h.RunAsync("sync");

        Assert.True(exit == 1, error);
        var failure = Assert.Single(report!.Failures);
        Assert.Equal((h.Key("2024/05/broken.jpg.webp"), nameof(PlanAction.GenerateVariant)), (failure.Key, failure.Action));
        Assert.StartsWith("no variant:", failure.Reason);
        // The original is offloaded all the same; only its variant cannot be made.
        Assert.Contains(h.Key("2024/05/broken.jpg"), await h.KeysAsync());
        Assert.DoesNotContain(h.Key("2024/05/broken.jpg.webp"), await h.KeysAsync());

        (exit, report, _, error) = await h.RunAsync("sync");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Empty(report!.Failures);
        Assert.Equal(0, report.FailureCount);
        var known = Assert.Single(report.Skipped, s => s.Key == h.Key("2024/05/broken.jpg.webp"));
        Assert.Contains(failure.Reason, known.Reason);
        Assert.Equal(0, report.Requests["put"] + report.Requests["get"]);

        // A new problem still fails the run, and only the new one is a failure.
        h.Write("2024/06/also-broken.jpg", NotAnImage(seed: 2));
        (exit, report, _, _) = await h.RunAsync("sync");
        Assert.Equal(1, exit);
        Assert.Equal([h.Key("2024/06/also-broken.jpg.webp")], report!.Failures.Select(f => f.Key));
    }

    [Fact]
    public async Task Sync_KnownRejectionThenFileFixed_MakesTheVariantAndForgetsTheRejection()
    {
        await using var h = await CliHarness.CreateAsync("exitfix");
        h.Write("2024/05/photo.jpg", NotAnImage(seed: 3));
        Assert.Equal(1, (await h.RunAsync("sync")).Exit);
        Assert.Equal(0, (await h.RunAsync("sync")).Exit);

        // The same name with new bytes is a new file: it is judged again, and this time the variant is made.
        h.WriteImage("2024/05/photo.jpg");
        var (exit, report, _, error) = await h.RunAsync("sync");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Equal(1, report!.Done[nameof(PlanAction.GenerateVariant)]);
        Assert.DoesNotContain(report.Skipped, s => s.Key == h.Key("2024/05/photo.jpg.webp"));
        Assert.Contains(h.Key("2024/05/photo.jpg.webp"), await h.KeysAsync());
    }

    [Fact]
    public async Task Sync_KnownRejectionWithoutState_FailsAgain()
    {
        // The memory of a rejection is the state file: without one, every run meets the file as new.
        await using var h = await CliHarness.CreateAsync("exitnostate");
        h.Write("2024/05/photo.jpg", NotAnImage(seed: 4));
        Assert.Equal(1, (await h.RunAsync("sync")).Exit);
        File.Delete(h.StatePath);
        Assert.Equal(1, (await h.RunAsync("sync")).Exit);
    }

    /// <summary>A JPEG signature followed by noise: it passes the magic-byte check, and no decoder can read it.</summary>
    private static byte[] NotAnImage(int seed)
    {
        var bytes = new byte[4096];
        new Random(seed).NextBytes(bytes);
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        bytes[3] = 0xE0;
        return bytes;
    }
}
