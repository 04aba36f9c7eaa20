using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Variants;

namespace MediaOffload.Cli.Tests;

public class SyncDriftTests
{
    private static readonly CachePolicy Policy = new();

    [Fact]
    public async Task Sync_PreparedBucketWithEveryDrift_FixesAllAndReRunIsNoOp()
    {
        await using var h = await CliHarness.CreateAsync("drift");
        h.WriteImage("2024/05/new.jpg");
        var size = h.Write("2024/05/size.pdf", CliHarness.Pdf("size"));
        var md5 = h.Write("2024/05/md5.pdf", CliHarness.Pdf("md5a"));
        var cc = h.Write("2024/05/cc.pdf", CliHarness.Pdf("cc"));
        var ct = h.Write("2024/05/ct.pdf", CliHarness.Pdf("ct"));
        var novariant = h.WriteImage("2024/06/novariant.png", seed: 1);
        var stale = h.WriteImage("2024/06/stale.jpg", seed: 2);

        await PutAsync(h, "2024/05/size.pdf", CliHarness.Pdf("size-but-longer"), size);
        await PutAsync(h, "2024/05/md5.pdf", CliHarness.Pdf("md5b"), md5);
        await PutAsync(h, "2024/05/cc.pdf", File.ReadAllBytes(cc), cc, cacheControl: "max-age=300");
        await PutAsync(h, "2024/05/ct.pdf", File.ReadAllBytes(ct), ct, contentType: "binary/octet-stream");
        await PutAsync(h, "2024/06/novariant.png", File.ReadAllBytes(novariant), novariant);
        var staleETag = await PutAsync(h, "2024/06/stale.jpg", File.ReadAllBytes(stale), stale);
        await PutAsync(h, "2024/06/stale.jpg.webp", [1, 2, 3], null, contentType: "image/webp", sourceETag: "0123456789");
        await PutAsync(h, "2023/01/orphan.pdf", CliHarness.Pdf("orphan"), null);

        var (exit, report, _, _) = await h.RunAsync("reconcile", "--json");
        Assert.Equal(1, exit);
        var plan = report!.Plan!.ToDictionary(p => p.Key, p => p.Action);
        Assert.Equal("Upload", plan[h.Key("2024/05/new.jpg")]);
        Assert.Equal("GenerateVariant", plan[h.Key("2024/05/new.jpg.avif")]);
        Assert.Equal("GenerateVariant", plan[h.Key("2024/05/new.jpg.webp")]);
        Assert.Equal("Replace", plan[h.Key("2024/05/size.pdf")]);
        Assert.Equal("Replace", plan[h.Key("2024/05/md5.pdf")]);
        Assert.Equal("FixHeaders", plan[h.Key("2024/05/cc.pdf")]);
        Assert.Equal("FixHeaders", plan[h.Key("2024/05/ct.pdf")]);
        Assert.Equal("GenerateVariant", plan[h.Key("2024/06/novariant.png.webp")]);
        Assert.Equal("GenerateVariant", plan[h.Key("2024/06/stale.jpg.webp")]);
        Assert.Equal("GenerateVariant", plan[h.Key("2024/06/novariant.png.avif")]);
        Assert.Equal("GenerateVariant", plan[h.Key("2024/06/stale.jpg.avif")]);
        Assert.Equal("DeleteOrphan", plan[h.Key("2023/01/orphan.pdf")]);
        Assert.Equal(12, plan.Count);

        (exit, report, _, var error) = await h.RunAsync("sync", "--delete", "--force");
        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Equal(2, report!.Requests["copy"]);

        var fixedHead = await h.HeadAsync(h.Key("2024/05/cc.pdf"));
        Assert.Equal(Policy.For(MediaTypes.ForExtension("pdf")!), fixedHead.Headers.CacheControl);
        Assert.Equal(Policy.Version, fixedHead.Metadata["x-amz-meta-cache-policy"]);
        var variant = await h.HeadAsync(h.Key("2024/06/stale.jpg.webp"));
        Assert.Equal(staleETag.Trim('"'), variant.Metadata["x-amz-meta-source-etag"]);
        Assert.DoesNotContain(h.Key("2023/01/orphan.pdf"), await h.KeysAsync());

        // A fresh state proves the bucket itself is clean, not just the cache.
        File.Delete(h.StatePath);
        (exit, report, _, _) = await h.RunAsync("reconcile");
        Assert.True(exit == 0, report!.ToJson());
        Assert.Equal(0, report!.Drift);

        (exit, report, _, _) = await h.RunAsync("sync");
        Assert.Equal(0, exit);
        Assert.Equal(0, report!.Requests["put"]);
        Assert.Equal(0, report.Requests["copy"]);
        Assert.Equal(0, report.Requests["head"]);
    }

    [Fact]
    public async Task Sync_KeysWithSpacesPlusPercentAndNonLatin_ReconcileAsEqual()
    {
        await using var h = await CliHarness.CreateAsync("names");
        var names = new[] { "a b.pdf", "a+b.pdf", "100%.pdf", "%20.pdf", "Ünïcödé 中文 файл.pdf", "emoji 😀.pdf" };
        foreach (var name in names)
        {
            h.Write($"2024/05/{name}", CliHarness.Pdf(name));
        }

        // Decomposed (macOS) spelling on disk still maps to the NFC key.
        h.Write("2024/05/cafe\u0301.pdf", CliHarness.Pdf("cafe"));

        var (exit, report, _, error) = await h.RunAsync("sync");
        Assert.True(exit == 0, error);
        Assert.Equal(names.Length + 1, report!.Done["Upload"]);
        Assert.Contains(h.Key("2024/05/café.pdf"), await h.KeysAsync());

        File.Delete(h.StatePath);
        (exit, report, _, _) = await h.RunAsync("reconcile");
        Assert.Equal(0, exit);
        Assert.Equal(0, report!.Planned["Upload"]);
        Assert.Equal(0, report.Planned["DeleteOrphan"]);
    }

    [Fact]
    public async Task Sync_DryRun_PrintsPlanAndWritesNothing()
    {
        await using var h = await CliHarness.CreateAsync("dry");
        h.Write("2024/05/a.pdf", CliHarness.Pdf("a"));
        var (exit, report, output, _) = await h.RunAsync("sync", "--dry-run");
        Assert.Equal(1, exit);
        Assert.Contains("Upload", output);
        Assert.Contains("2024/05/a.pdf", output);
        Assert.Equal(0, report!.Requests["put"]);
        Assert.Empty(await h.KeysAsync());
    }

    [Fact]
    public async Task Verify_WrongCacheControlAfterSync_ExitsWithDrift()
    {
        await using var h = await CliHarness.CreateAsync("verify");
        h.Write("2024/05/a.pdf", CliHarness.Pdf("a"));
        h.Write("2024/05/b.pdf", CliHarness.Pdf("b"));
        Assert.Equal(0, (await h.RunAsync("sync")).Exit);
        Assert.Equal(0, (await h.RunAsync("verify")).Exit);

        // S3 lists LastModified to the second: a change within the second of the last write is invisible to it.
        await Task.Delay(1100);

        // The run after a write learns the objects' LastModified; from then on a header change is noticed.
        Assert.Equal(0, (await h.RunAsync("sync")).Exit);

        await h.S3.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = h.Bucket, SourceKey = h.Key("2024/05/b.pdf"), DestinationBucket = h.Bucket, DestinationKey = h.Key("2024/05/b.pdf"),
            MetadataDirective = S3MetadataDirective.REPLACE, ContentType = "application/pdf", Headers = { CacheControl = "no-cache" },
        });
        var (exit, report, _, _) = await h.RunAsync("verify");
        Assert.Equal(1, exit);
        var step = Assert.Single(report!.Plan!);
        Assert.StartsWith("Cache-Control is 'no-cache'", step.Reason);

        // The state remembered b.pdf's old LastModified, so sync notices the out-of-band change too.
        var (syncExit, syncReport, _, _) = await h.RunAsync("sync");
        Assert.Equal(0, syncExit);
        Assert.Equal(1, syncReport!.Done["FixHeaders"]);
    }

    [Fact]
    public async Task Reconcile_BatchManifest_ListsHeaderFixes()
    {
        await using var h = await CliHarness.CreateAsync("batch");
        var path = h.Write("2024/05/a b.pdf", CliHarness.Pdf("a"));
        await PutAsync(h, "2024/05/a b.pdf", File.ReadAllBytes(path), path, cacheControl: "max-age=1");
        var manifest = Path.Combine(h.Root, "manifest.csv");
        var (exit, _, _, _) = await h.RunAsync("reconcile", "--batch-manifest", manifest);
        Assert.Equal(1, exit);
        Assert.Equal($"{h.Bucket},wp-content/uploads/2024/05/a%20b.pdf\n", await File.ReadAllTextAsync(manifest));
    }

    /// <summary>Puts an object the way the worker would (unless told otherwise) and returns its ETag.</summary>
    internal static async Task<string> PutAsync(CliHarness h, string path, byte[] bytes, string? localFile,
        string? cacheControl = null, string? contentType = null, string? sourceETag = null)
    {
        var type = MediaTypes.ForExtension(Path.GetExtension(path.Replace(".webp", string.Empty)).TrimStart('.'))!;
        var request = new PutObjectRequest
        {
            BucketName = h.Bucket,
            Key = h.Key(path),
            InputStream = new MemoryStream(bytes),
            ContentType = contentType ?? type.ContentType,
            Headers = { CacheControl = cacheControl ?? Policy.For(type) },
        };
        if (localFile is not null)
        {
            request.Metadata.Add("source-md5", Convert.ToHexStringLower(MD5.HashData(File.ReadAllBytes(localFile))));
            request.Metadata.Add("cache-policy", Policy.Version);
        }

        if (sourceETag is not null)
        {
            request.Metadata.Add(VariantMetadata.SourceETag, sourceETag);
        }

        return (await h.S3.PutObjectAsync(request)).ETag;
    }
}
