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
        // One failure per variant key, from one read of the file.
        string[] variantKeys = [h.Key("2024/05/broken.jpg.avif"), h.Key("2024/05/broken.jpg.webp")];
        Assert.Equal(variantKeys, report!.Failures.Select(f => f.Key));
        Assert.All(report.Failures, f => Assert.Equal(nameof(PlanAction.GenerateVariant), f.Action));
        var failure = report.Failures[1];
        Assert.StartsWith("no variant:", failure.Reason);
        // The original is offloaded all the same; only its variants cannot be made.
        Assert.Contains(h.Key("2024/05/broken.jpg"), await h.KeysAsync());
        Assert.DoesNotContain(await h.KeysAsync(), variantKeys.Contains);

        (exit, report, _, error) = await h.RunAsync("sync");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Empty(report!.Failures);
        Assert.Equal(0, report.FailureCount);
        foreach (var key in variantKeys)
        {
            Assert.Contains(failure.Reason, Assert.Single(report.Skipped, s => s.Key == key).Reason);
        }

        Assert.Equal(0, report.Requests["put"] + report.Requests["get"]);

        // A new problem still fails the run, and only the new one is a failure.
        h.Write("2024/06/also-broken.jpg", NotAnImage(seed: 2));
        (exit, report, _, _) = await h.RunAsync("sync");
        Assert.Equal(1, exit);
        Assert.Equal([h.Key("2024/06/also-broken.jpg.avif"), h.Key("2024/06/also-broken.jpg.webp")], report!.Failures.Select(f => f.Key));
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
        Assert.Equal(2, report!.Done[nameof(PlanAction.GenerateVariant)]);
        Assert.DoesNotContain(report.Skipped, s => s.Key.StartsWith(h.Key("2024/05/photo.jpg."), StringComparison.Ordinal));
        Assert.Contains(h.Key("2024/05/photo.jpg.avif"), await h.KeysAsync());
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
