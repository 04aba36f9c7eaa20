using Amazon.S3.Model;
using MediaOffload.Core.Ownership;

namespace MediaOffload.Cli.Tests;

/// <summary>The CLI's side of docs/keys.md, against a real folder and moto: nothing is written for another owner.</summary>
public sealed class KeyOwnershipTests
{
    private const string Nfc = "2024/05/caf\u00E9.jpg";
    private const string Nfd = "2024/05/cafe\u0301.jpg";

    [Fact]
    public async Task Sync_NfcAndNfdNamesOnDisk_ReportsBothSkipsBothAndLeavesTheObject()
    {
        await using var h = await CliHarness.CreateAsync("nfcpair");
        h.WriteImage(Nfc, seed: 1);
        var first = await h.RunAsync("sync");
        Assert.Equal(0, first.Exit);
        var before = await h.HeadAsync(h.Key(Nfc));

        h.WriteImage(Nfd, width: 64, seed: 2);
        var (exit, report, _, error) = await h.RunAsync("sync", "--delete");

        Assert.True(exit == 0, error + report?.ToJson());
        var skip = Assert.Single(report!.Skipped, s => s.Key == h.Key(Nfc));
        Assert.Contains("'2024/05/caf\u00E9.jpg'", skip.Reason, StringComparison.Ordinal);
        Assert.Contains("'2024/05/cafe\\u0301.jpg'", skip.Reason, StringComparison.Ordinal);
        Assert.Contains("both are skipped", skip.Reason, StringComparison.Ordinal);
        var after = await h.HeadAsync(h.Key(Nfc));
        Assert.Equal(before.ETag, after.ETag);
        Assert.Contains(h.Key(Nfc) + ".webp", await h.KeysAsync());
        Assert.Equal(0, report.Requests["put"] + report.Requests["delete"] + report.Requests["copy"]);
    }

    [Fact]
    public async Task Sync_NfcAndNfdFolders_MergeInKeyOrderAndReportTheSharedName()
    {
        await using var h = await CliHarness.CreateAsync("nfcdirs");
        h.Write("caf\u00E9/a.pdf", CliHarness.Pdf("a"));
        h.Write("cafe\u0301/a.pdf", CliHarness.Pdf("a2"));
        h.Write("cafe\u0301/b.pdf", CliHarness.Pdf("b"));

        var (exit, report, _, error) = await h.RunAsync("sync");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Contains(report!.Skipped, s => s.Key == h.Key("caf\u00E9/a.pdf"));
        var keys = await h.KeysAsync();
        Assert.Contains(h.Key("caf\u00E9/b.pdf"), keys);
        Assert.DoesNotContain(h.Key("caf\u00E9/a.pdf"), keys);
    }

    [Fact]
    public async Task Sync_FileNamedLikeAVariant_IsSkippedAndTheVictimsVariantIsUntouched()
    {
        await using var h = await CliHarness.CreateAsync("reserved");
        h.WriteImage("2024/05/victim.jpg");
        Assert.Equal(0, (await h.RunAsync("sync")).Exit);
        var variantBefore = await h.HeadAsync(h.Key("2024/05/victim.jpg.webp"));

        h.Write("2024/05/victim.jpg.webp", [.. "RIFF\0\0\0\0WEBPVP8 "u8, .. new byte[64]]);
        var (exit, report, _, error) = await h.RunAsync("sync", "--delete", "--force");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Contains(report!.Skipped, s => s.Key == h.Key("2024/05/victim.jpg.webp") && s.Reason.Contains("reserved for a variant of 'victim.jpg'", StringComparison.Ordinal));
        var variantAfter = await h.HeadAsync(h.Key("2024/05/victim.jpg.webp"));
        Assert.Equal(variantBefore.ETag, variantAfter.ETag);
        Assert.Equal(0, report.Requests["put"] + report.Requests["delete"]);
    }

    [Fact]
    public async Task Sync_ForeignObjectAtTheVariantKey_IsNeitherOverwrittenNorDeleted()
    {
        await using var h = await CliHarness.CreateAsync("foreign");
        h.WriteImage("2024/05/photo.jpg");
        await h.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = h.Bucket,
            Key = h.Key("2024/05/photo.jpg.webp"),
            ContentBody = "another tool's webp",
            ContentType = "image/webp",
        });

        var (exit, report, _, error) = await h.RunAsync("sync", "--delete", "--force");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Contains(report!.Skipped, s => s.Key == h.Key("2024/05/photo.jpg.webp") && s.Reason.Contains("not a variant", StringComparison.Ordinal));
        using var foreign = await h.S3.GetObjectAsync(h.Bucket, h.Key("2024/05/photo.jpg.webp"));
        Assert.Equal("another tool's webp", await new StreamReader(foreign.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task Sync_ObjectRecordedForAnotherNameOnDisk_IsLeftAloneAndReported()
    {
        await using var h = await CliHarness.CreateAsync("othername");
        // Written for the NFD name (by an event of the site, say); this folder only has the NFC one, with other bytes.
        var metadata = new Dictionary<string, string>();
        KeyOwner.For(7, Nfd).WriteTo(metadata);
        var request = new PutObjectRequest { BucketName = h.Bucket, Key = h.Key(Nfc), ContentBody = "the NFD file's bytes", ContentType = "image/jpeg" };
        foreach (var (k, v) in metadata)
        {
            request.Metadata.Add(k, v);
        }

        await h.S3.PutObjectAsync(request);
        h.WriteImage(Nfc);

        var (exit, report, _, error) = await h.RunAsync("sync");

        Assert.True(exit == 0, error + report?.ToJson());
        Assert.Contains(report!.Skipped, s => s.Key == h.Key(Nfc) && s.Reason.Contains("left alone", StringComparison.Ordinal));
        using var kept = await h.S3.GetObjectAsync(h.Bucket, h.Key(Nfc));
        Assert.Equal("the NFD file's bytes", await new StreamReader(kept.ResponseStream).ReadToEndAsync());
    }
}
