using MediaOffload.Core.Media;

namespace MediaOffload.Cli.Tests;

/// <summary>
/// The native binary as an operator runs it: a separate process, no .NET runtime involved, against a real
/// moto_server. It proves what only NativeAOT can break: generated JSON, System.CommandLine, Spectre.Console, the
/// AWS SDK and the libvips interop.
/// </summary>
public sealed class NativeBinaryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Help_NativeBinary_PrintsEveryCommandAndExitsZero()
    {
        var binary = await NativeBinary.PathAsync();

        var (exit, output, error) = await NativeBinary.RunAsync(binary, ["--help"], Timeout);

        Assert.True(exit == 0, error);
        Assert.Contains("sync <uploads-dir>", output);
        Assert.Contains("reconcile <uploads-dir>", output);
        Assert.Contains("verify", output);
        Assert.Contains("Exit codes:", output);
    }

    [Fact]
    public async Task Sync_NativeBinary_UploadsWithHeadersAndWritesWebpVariant()
    {
        var binary = await NativeBinary.PathAsync();
        await using var h = await CliHarness.CreateAsync("native");
        h.WriteImage("2024/05/photo.jpg", width: 64);
        h.WriteImage("2024/05/logo.png", width: 32);
        h.Write("2024/05/doc.pdf", CliHarness.Pdf("native"));
        string[] args = ["sync", h.Uploads, "--bucket", h.Bucket, "--endpoint-url", h.Endpoint, "--state", h.StatePath, "--report", h.ReportPath];

        var (exit, output, error) = await NativeBinary.RunAsync(binary, args, Timeout, home: h.Root);

        Assert.True(exit == 0, $"{output}\n{error}");
        Assert.Contains("In sync.", output);
        var jpeg = await h.HeadAsync(h.Key("2024/05/photo.jpg"));
        Assert.Equal(("image/jpeg", CachePolicy.LongLived), (jpeg.Headers.ContentType, jpeg.Headers.CacheControl));
        var pdf = await h.HeadAsync(h.Key("2024/05/doc.pdf"));
        Assert.Equal(("application/pdf", CachePolicy.LongLived), (pdf.Headers.ContentType, pdf.Headers.CacheControl));
        var webp = await h.HeadAsync(h.Key("2024/05/photo.jpg.webp"));
        Assert.Equal(("image/webp", CachePolicy.LongLived), (webp.Headers.ContentType, webp.Headers.CacheControl));
        Assert.Contains(h.Key("2024/05/logo.png.webp"), await h.KeysAsync());
        // The AVIF key holds AVIF, or the WebP when that came out smaller: either way libaom ran in the native binary.
        var avif = await h.HeadAsync(h.Key("2024/05/photo.jpg.avif"));
        Assert.Contains(avif.Headers.ContentType, new[] { "image/avif", "image/webp" });
        Assert.DoesNotContain("x-amz-meta-variant-avif-skipped", avif.Metadata.Keys);

        // The report the native binary wrote reads back with the JIT build's serializer.
        var report = Core.Reconcile.ReconcileReport.FromJson(await File.ReadAllTextAsync(h.ReportPath))!;
        Assert.Equal(3, report.Done["Upload"]);
        Assert.Equal(4, report.Done["GenerateVariant"]);

        // A re-run with the state file it wrote has nothing to do.
        var again = await NativeBinary.RunAsync(binary, [.. args, "--json"], Timeout, home: h.Root);
        Assert.True(again.Exit == 0, again.Error);
        Assert.True(Core.Reconcile.ReconcileReport.FromJson(again.Output)!.InSync);
    }
}
