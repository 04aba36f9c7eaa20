using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Run = (int Exit, MediaOffload.Core.Reconcile.ReconcileReport? Report, string Output, string Error);

namespace MediaOffload.Cli.Tests;

/// <summary>
/// <c>media-offload sync</c> against s3rver, a real S3-compatible server that stores an <c>aws-chunked</c> request body
/// verbatim and ignores <c>Content-MD5</c> (docs/benchmarks-sync.md, "S3-compatible servers"). Every run must either
/// leave objects whose bytes equal the local files, or fail loudly; it must never report "in sync" over corrupted
/// objects, on the first run or on a later one.
/// </summary>
public sealed class S3CompatibilityTests
{
    [Fact]
    public async Task Sync_SinglePartFilesToS3rver_ReadBackByteForByte_AndTheReSyncChangesNothing()
    {
        await using var h = await CliHarness.OnS3rverAsync("compat-single");
        h.Write("2024/05/report.pdf", CliHarness.Pdf("report " + new string('r', 300_000)));
        h.Write("2024/05/notes.pdf", CliHarness.Pdf("notes"));
        h.Write("2019/01/empty-ish.pdf", CliHarness.Pdf(string.Empty));

        var first = await h.RunAsync("sync", "--no-variants");
        await AssertCorrectOrLoudAsync(h, first);
        await AssertUploadedCorrectlyAsync(h, first);
        Assert.Equal(3, first.Report!.Done["Upload"]);

        var second = await h.RunAsync("sync", "--no-variants");
        await AssertCorrectOrLoudAsync(h, second);
        await AssertUploadedCorrectlyAsync(h, second);
        Assert.Equal(0, second.Report!.Requests["put"]);
    }

    [Fact]
    public async Task Sync_MultipartFileToS3rver_ReadsBackByteForByte_AndTheReSyncChangesNothing()
    {
        // The CLI uploads in 8 MiB parts (S3StoreOptions.PartSizeBytes) from 8 MiB on: this file goes in three parts.
        // No check looks at a part's bytes once it is accepted, so a part sent aws-chunked would land framed and the
        // run would still end "in sync"; that is what this test would catch.
        await using var h = await CliHarness.OnS3rverAsync("compat-multi");
        var big = new byte[17 * 1024 * 1024 + 321];
        new Random(7).NextBytes(big);
        Encoding.ASCII.GetBytes("%PDF-1.4\n").CopyTo(big, 0);
        // Alone, so no single-part failure elsewhere turns the run's exit code non-zero and hides a silent one here.
        h.Write("2024/05/big.pdf", big);

        var first = await h.RunAsync("sync", "--no-variants");
        await AssertCorrectOrLoudAsync(h, first);
        await AssertUploadedCorrectlyAsync(h, first);

        var second = await h.RunAsync("sync", "--no-variants");
        await AssertCorrectOrLoudAsync(h, second);
        await AssertUploadedCorrectlyAsync(h, second);
        Assert.Equal(0, second.Report!.Requests["put"]);
    }

    [Fact]
    public async Task Sync_WebpVariantsToS3rver_AreWebpBytes()
    {
        // Variants are written with no MD5 known beforehand, so no ETag check guards them: their bytes must be right.
        await using var h = await CliHarness.OnS3rverAsync("compat-webp");
        h.WriteImage("2024/05/photo.jpg", width: 64);
        h.WriteImage("2024/05/shot.png", width: 48, seed: 3);

        var first = await h.RunAsync("sync");
        await AssertCorrectOrLoudAsync(h, first);
        await AssertUploadedCorrectlyAsync(h, first);
        // An .avif and a .webp for each image.
        Assert.Equal(4, first.Report!.Done["GenerateVariant"]);

        foreach (var variant in new[] { "2024/05/photo.jpg.webp", "2024/05/shot.png.webp" })
        {
            var bytes = await h.ReadAllAsync(h.Key(variant));
            var head = await h.S3.GetObjectMetadataAsync(h.Bucket, h.Key(variant));
            // A RIFF/WEBP container whose RIFF size covers the whole object: chunk framing would break both.
            Assert.Equal("RIFF", Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("WEBP", Encoding.ASCII.GetString(bytes, 8, 4));
            Assert.Equal(bytes.Length - 8, BitConverter.ToInt32(bytes, 4));
            Assert.Equal(bytes.Length, head.ContentLength);
            Assert.Equal("image/webp", head.Headers.ContentType);
        }

        var second = await h.RunAsync("sync");
        await AssertCorrectOrLoudAsync(h, second);
        Assert.Equal(0, second.Exit);
        Assert.Equal(0, second.Report!.Requests["put"]);
    }

    [Fact]
    public async Task Sync_AfterAnAwsChunkedWriteCorruptedAnObject_NeverReportsInSyncOverIt()
    {
        // What an upload with aws-chunked signing leaves on this server: the same key, headers and metadata as a good
        // upload, but the chunk framing inside the bytes. A later run, even with its state file, must not call that in sync.
        await using var h = await CliHarness.OnS3rverAsync("compat-repair");
        var bytes = CliHarness.Pdf("repair " + new string('p', 200_000));
        h.Write("2024/05/doc.pdf", bytes);
        h.Write("2024/05/other.pdf", CliHarness.Pdf("other"));

        var first = await h.RunAsync("sync", "--no-variants");
        await AssertUploadedCorrectlyAsync(h, first);

        var key = h.Key("2024/05/doc.pdf");
        var good = await h.S3.GetObjectMetadataAsync(h.Bucket, key);
        var corrupt = new PutObjectRequest { BucketName = h.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = true, ContentType = good.Headers.ContentType };
        corrupt.Headers.CacheControl = good.Headers.CacheControl;
        foreach (var name in good.Metadata.Keys)
        {
            corrupt.Metadata.Add(name, good.Metadata[name]);
        }

        await h.S3.PutObjectAsync(corrupt);
        Assert.NotEqual(bytes.Length, (await h.ReadAllAsync(key)).Length);

        var second = await h.RunAsync("sync", "--no-variants");
        await AssertCorrectOrLoudAsync(h, second);
        var third = await h.RunAsync("sync", "--no-variants");
        await AssertCorrectOrLoudAsync(h, third);
        // And it is repaired, not merely reported: the object is rewritten on the first run after the damage.
        await AssertUploadedCorrectlyAsync(h, second);
        Assert.Equal(1, second.Report!.Requests["put"]);
    }

    /// <summary>
    /// The rule this class exists for. Exit 0 means every local file is in the bucket byte for byte; any other exit
    /// must come with a reason in the report. "In sync" over an object whose bytes differ from its file fails here.
    /// </summary>
    private static async Task AssertCorrectOrLoudAsync(CliHarness h, Run run)
    {
        Assert.True(run.Report is not null, $"no report; exit {run.Exit}: {run.Error}");
        if (run.Exit == 0)
        {
            Assert.True(run.Report.InSync, "exit 0 without in sync");
            var wrong = await MismatchesAsync(h);
            Assert.True(wrong.Count == 0, "reported in sync, but: " + string.Join("; ", wrong));
        }
        else
        {
            Assert.False(run.Report.InSync);
            Assert.NotEmpty(run.Report.Failures);
            Assert.All(run.Report.Failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason), $"{f.Key} failed with no reason"));
        }
    }

    /// <summary>The better of the two outcomes: the run succeeded and every object equals its file.</summary>
    private static async Task AssertUploadedCorrectlyAsync(CliHarness h, Run run)
    {
        Assert.True(run.Exit == 0, $"exit {run.Exit}: " + string.Join("; ", run.Report?.Failures.Select(f => $"{f.Key}: {f.Reason}") ?? [run.Error]));
        Assert.Empty(await MismatchesAsync(h));
    }

    private static async Task<List<string>> MismatchesAsync(CliHarness h)
    {
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(h.Uploads, "*", SearchOption.AllDirectories))
        {
            var key = h.Key(Path.GetRelativePath(h.Uploads, file).Replace('\\', '/'));
            var local = await File.ReadAllBytesAsync(file);
            byte[] stored;
            try
            {
                stored = await h.ReadAllAsync(key);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
            {
                wrong.Add($"{key} is missing");
                continue;
            }

            var (localMd5, storedMd5) = (Convert.ToHexStringLower(MD5.HashData(local)), Convert.ToHexStringLower(MD5.HashData(stored)));
            if (localMd5 != storedMd5)
            {
                wrong.Add($"{key} holds {stored.Length} bytes with MD5 {storedMd5}, the file {local.Length} bytes with MD5 {localMd5}");
            }
        }

        return wrong;
    }
}
