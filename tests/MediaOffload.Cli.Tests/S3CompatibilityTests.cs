using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Cli.Commands;
using MediaOffload.Core.Reconcile;
using MediaOffload.TestSupport;

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
        await using var h = await S3rverCli.CreateAsync("compat-single");
        h.Write("2024/05/report.pdf", CliHarness.Pdf("report " + new string('r', 300_000)));
        h.Write("2024/05/notes.pdf", CliHarness.Pdf("notes"));
        h.Write("2019/01/empty-ish.pdf", CliHarness.Pdf(string.Empty));

        var first = await h.SyncAsync("--no-variants");
        await h.AssertCorrectOrLoudAsync(first);
        await h.AssertUploadedCorrectlyAsync(first);
        Assert.Equal(3, first.Report!.Done["Upload"]);

        var second = await h.SyncAsync("--no-variants");
        await h.AssertCorrectOrLoudAsync(second);
        await h.AssertUploadedCorrectlyAsync(second);
        Assert.Equal(0, second.Report!.Requests["put"]);
    }

    [Fact]
    public async Task Sync_MultipartFileToS3rver_ReadsBackByteForByte_AndTheReSyncChangesNothing()
    {
        // The CLI uploads in 8 MiB parts (S3StoreOptions.PartSizeBytes) from 8 MiB on: this file goes in three parts.
        // No check looks at a part's bytes once it is accepted, so a part sent aws-chunked would land framed and the
        // run would still end "in sync"; that is what this test would catch.
        await using var h = await S3rverCli.CreateAsync("compat-multi");
        var big = new byte[17 * 1024 * 1024 + 321];
        new Random(7).NextBytes(big);
        Encoding.ASCII.GetBytes("%PDF-1.4\n").CopyTo(big, 0);
        // Alone, so no single-part failure elsewhere turns the run's exit code non-zero and hides a silent one here.
        h.Write("2024/05/big.pdf", big);

        var first = await h.SyncAsync("--no-variants");
        await h.AssertCorrectOrLoudAsync(first);
        await h.AssertUploadedCorrectlyAsync(first);

        var second = await h.SyncAsync("--no-variants");
        await h.AssertCorrectOrLoudAsync(second);
        await h.AssertUploadedCorrectlyAsync(second);
        Assert.Equal(0, second.Report!.Requests["put"]);
    }

    [Fact]
    public async Task Sync_WebpVariantsToS3rver_AreWebpBytes()
    {
        // Variants are written with no MD5 known beforehand, so no ETag check guards them: their bytes must be right.
        await using var h = await S3rverCli.CreateAsync("compat-webp");
        h.WriteImage("2024/05/photo.jpg", width: 64);
        h.WriteImage("2024/05/shot.png", width: 48, seed: 3);

        var first = await h.SyncAsync();
        await h.AssertCorrectOrLoudAsync(first);
        await h.AssertUploadedCorrectlyAsync(first);
        // An .avif and a .webp for each image.
        Assert.Equal(4, first.Report!.Done["GenerateVariant"]);

        foreach (var variant in new[] { "2024/05/photo.jpg.webp", "2024/05/shot.png.webp" })
        {
            var bytes = await h.Server.ReadAllAsync(h.Bucket, h.Key(variant));
            var head = await h.S3.GetObjectMetadataAsync(h.Bucket, h.Key(variant));
            // A RIFF/WEBP container whose RIFF size covers the whole object: chunk framing would break both.
            Assert.Equal("RIFF", Encoding.ASCII.GetString(bytes, 0, 4));
            Assert.Equal("WEBP", Encoding.ASCII.GetString(bytes, 8, 4));
            Assert.Equal(bytes.Length - 8, BitConverter.ToInt32(bytes, 4));
            Assert.Equal(bytes.Length, head.ContentLength);
            Assert.Equal("image/webp", head.Headers.ContentType);
        }

        var second = await h.SyncAsync();
        await h.AssertCorrectOrLoudAsync(second);
        Assert.Equal(0, second.Exit);
        Assert.Equal(0, second.Report!.Requests["put"]);
    }

    [Fact]
    public async Task Sync_AfterAnAwsChunkedWriteCorruptedAnObject_NeverReportsInSyncOverIt()
    {
        // What an upload with aws-chunked signing leaves on this server: the same key, headers and metadata as a good
        // upload, but the chunk framing inside the bytes. A later run, even with its state file, must not call that in sync.
        await using var h = await S3rverCli.CreateAsync("compat-repair");
        var bytes = CliHarness.Pdf("repair " + new string('p', 200_000));
        h.Write("2024/05/doc.pdf", bytes);
        h.Write("2024/05/other.pdf", CliHarness.Pdf("other"));

        var first = await h.SyncAsync("--no-variants");
        await h.AssertUploadedCorrectlyAsync(first);

        var key = h.Key("2024/05/doc.pdf");
        var good = await h.S3.GetObjectMetadataAsync(h.Bucket, key);
        var corrupt = new PutObjectRequest { BucketName = h.Bucket, Key = key, InputStream = new MemoryStream(bytes), UseChunkEncoding = true, ContentType = good.Headers.ContentType };
        corrupt.Headers.CacheControl = good.Headers.CacheControl;
        foreach (var name in good.Metadata.Keys)
        {
            corrupt.Metadata.Add(name, good.Metadata[name]);
        }

        await h.S3.PutObjectAsync(corrupt);
        Assert.NotEqual(bytes.Length, (await h.Server.ReadAllAsync(h.Bucket, key)).Length);

        var second = await h.SyncAsync("--no-variants");
        await h.AssertCorrectOrLoudAsync(second);
        var third = await h.SyncAsync("--no-variants");
        await h.AssertCorrectOrLoudAsync(third);
        // And it is repaired, not merely reported: the object is rewritten on the first run after the damage.
        await h.AssertUploadedCorrectlyAsync(second);
        Assert.Equal(1, second.Report!.Requests["put"]);
    }

    /// <summary>A temp uploads folder, a fresh bucket on the shared s3rver, and in-process CLI runs against it.</summary>
    private sealed class S3rverCli : IAsyncDisposable
    {

        private S3rverCli(S3rver server, string bucket, string root)
        {
            Server = server;
            Bucket = bucket;
            Root = root;
            Uploads = Directory.CreateDirectory(Path.Combine(root, "uploads")).FullName;
            S3 = server.CreateClient();
        }

        public S3rver Server { get; }
        public string Bucket { get; }
        public string Root { get; }
        public string Uploads { get; }
        public IAmazonS3 S3 { get; }
        private string ReportPath => Path.Combine(Root, "report.json");
        private string StatePath => Path.Combine(Root, "state.jsonl");

        public static async Task<S3rverCli> CreateAsync(string label)
        {
            var server = await S3rver.Shared;
            return new S3rverCli(server, await server.CreateBucketAsync(label), Directory.CreateTempSubdirectory("cli-s3rver-").FullName);
        }

        public string Key(string path) => $"wp-content/uploads/{path}";

        public void Write(string path, byte[] bytes) => CliHarness.WriteFile(Uploads, path, bytes);

        public void WriteImage(string path, int width, int seed = 0) => CliHarness.WriteVipsImage(Root, Uploads, path, width, seed);

        public async Task<Run> SyncAsync(params string[] extra)
        {
            File.Delete(ReportPath);
            var output = new StringWriter();
            var error = new StringWriter();
            string[] args = ["sync", Uploads, "--bucket", Bucket, "--endpoint-url", Server.Endpoint, "--report", ReportPath, "--state", StatePath, .. extra];
            var exit = await CliApp.RunAsync(args, output, error, CancellationToken.None);
            var report = File.Exists(ReportPath) ? ReconcileReport.FromJson(await File.ReadAllTextAsync(ReportPath)) : null;
            return new Run(exit, report, output.ToString(), error.ToString());
        }

        /// <summary>
        /// The rule this class exists for. Exit 0 means every local file is in the bucket byte for byte; any other exit
        /// must come with a reason in the report. "In sync" over an object whose bytes differ from its file fails here.
        /// </summary>
        public async Task AssertCorrectOrLoudAsync(Run run)
        {
            Assert.True(run.Report is not null, $"no report; exit {run.Exit}: {run.Error}");
            if (run.Exit == 0)
            {
                Assert.True(run.Report.InSync, "exit 0 without in sync");
                var wrong = await MismatchesAsync();
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
        public async Task AssertUploadedCorrectlyAsync(Run run)
        {
            Assert.True(run.Exit == 0, $"exit {run.Exit}: " + string.Join("; ", run.Report?.Failures.Select(f => $"{f.Key}: {f.Reason}") ?? [run.Error]));
            Assert.Empty(await MismatchesAsync());
        }

        private async Task<List<string>> MismatchesAsync()
        {
            var wrong = new List<string>();
            foreach (var file in Directory.EnumerateFiles(Uploads, "*", SearchOption.AllDirectories))
            {
                var key = Key(Path.GetRelativePath(Uploads, file).Replace('\\', '/'));
                var local = await File.ReadAllBytesAsync(file);
                byte[] stored;
                try
                {
                    stored = await Server.ReadAllAsync(Bucket, key);
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

        public ValueTask DisposeAsync()
        {
            S3.Dispose();
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed record Run(int Exit, ReconcileReport? Report, string Output, string Error);
}
