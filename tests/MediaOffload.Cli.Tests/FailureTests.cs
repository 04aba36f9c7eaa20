using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MediaOffload.Cli.Execution;
using MediaOffload.Cli.Sources;
using MediaOffload.Cli.State;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Variants;
using MediaOffload.Storage;

namespace MediaOffload.Cli.Tests;

public class FailureTests
{
    [Fact]
    public async Task Sync_CancelledMidway_ResumesFromCheckpointWithoutRedoingWork()
    {
        await using var h = await CliHarness.CreateAsync("resume");
        const int files = 150;
        for (var i = 0; i < files; i++)
        {
            h.Write($"2024/{i % 3 + 1:D2}/doc-{i:D3}.pdf", CliHarness.Pdf($"doc {i} " + new string('x', 20_000)));
        }

        var checkpoint = Path.Combine(h.Root, "checkpoint.json");
        using var cancel = new CancellationTokenSource();
        var run = h.RunAsync("sync", cancel.Token, "--checkpoint", checkpoint, "--concurrency", "1");
        var watch = Stopwatch.StartNew();
        while (!run.IsCompleted && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            if ((await h.KeysAsync()).Count >= 20)
            {
                await cancel.CancelAsync();
                break;
            }

            await Task.Delay(10);
        }

        var (exit, _, _, error) = await run;
        Assert.Equal(1, exit);
        Assert.Contains("resume", error);
        var saved = MediaOffload.Core.Runs.RunCheckpoint.FromJson(File.ReadAllBytes(checkpoint))!;
        var uploadedFirst = (await h.KeysAsync()).Count;
        Assert.InRange(uploadedFirst, 1, files - 1);

        var (exit2, report, _, error2) = await h.RunAsync("sync", "--checkpoint", checkpoint, "--concurrency", "4");
        Assert.True(exit2 == 0, error2);
        Assert.Equal(saved.After, report!.ResumedAfter);
        // A resumed run's report counts the whole run's requests; this stretch sent only the rest. Uploads cancelled
        // in flight may still land after the first run returned, so at most the rest is sent.
        var putAfterResume = report.Requests["put"] - saved.Requests.GetValueOrDefault("put");
        Assert.InRange(putAfterResume, 1, files - uploadedFirst);
        Assert.Equal(files, (await h.KeysAsync()).Count);
        Assert.False(File.Exists(checkpoint));
    }

    [Fact]
    public async Task Sync_DeleteAboveCapWithoutForce_DeletesNothing()
    {
        await using var h = await CliHarness.CreateAsync("cap");
        h.Write("2024/05/keep.pdf", CliHarness.Pdf("keep"));
        for (var i = 0; i < 5; i++)
        {
            await SyncDriftTests.PutAsync(h, $"2020/01/orphan-{i}.pdf", CliHarness.Pdf($"o{i}"), null);
        }

        var (exit, report, _, _) = await h.RunAsync("sync", "--delete", "--max-delete", "3");
        Assert.Equal(1, exit);
        Assert.Contains("refusing to delete 5", report!.DeleteRefused);
        Assert.Equal(0, report.Requests["delete"]);
        Assert.Equal(6, (await h.KeysAsync()).Count);

        (exit, report, _, _) = await h.RunAsync("sync", "--delete", "--force");
        Assert.Equal(0, exit);
        Assert.Equal(5, report!.Done["DeleteOrphan"]);
        Assert.Equal([h.Key("2024/05/keep.pdf")], await h.KeysAsync());
    }

    [Fact]
    public async Task Sync_FifoSocketAndDisguisedScript_SkippedWithReasonOthersUploaded()
    {
        await using var h = await CliHarness.CreateAsync("special");
        h.Write("2024/05/good.pdf", CliHarness.Pdf("good"));
        h.Write("2024/05/shell.jpg", "<?php system($_GET['c']);"u8.ToArray());
        var unreadable = h.Write("2024/05/root-reads-me.pdf", CliHarness.Pdf("chmod"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(unreadable, UnixFileMode.None);
        }
        CliHarness.Run("mkfifo", Path.Combine(h.Uploads, "2024/05/pipe.jpg"));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(h.Uploads, "2024/05/sock.png")));

        var (exit, report, _, error) = await h.RunAsync("sync").WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, error);
        var skipped = report!.Skipped.ToDictionary(s => s.Key, s => s.Reason);
        Assert.Contains("FIFO", skipped[h.Key("2024/05/pipe.jpg")]);
        Assert.Contains("socket", skipped[h.Key("2024/05/sock.png")]);
        Assert.Contains("script", skipped[h.Key("2024/05/shell.jpg")]);
        var keys = await h.KeysAsync();
        Assert.True(keys.Count > 0, string.Join("\n", skipped.Select(s => s.Key + ": " + s.Value)));
        Assert.Contains(h.Key("2024/05/good.pdf"), keys);

        // chmod 000 stops nobody who runs as root, as these tests do, so that file is simply synced.
        Assert.Equal(Environment.IsPrivilegedProcess, keys.Contains(h.Key("2024/05/root-reads-me.pdf")));
        Assert.True(keys.Count == 1 + (Environment.IsPrivilegedProcess ? 1 : 0), string.Join("\n", skipped.Select(s => s.Key + ": " + s.Value)) + string.Join("\n", report.Failures.Select(f => f.Key + ": " + f.Reason)));
    }

    [Fact]
    public async Task Upload_FileVanishedAfterPlanning_FailsClearlyAndWritesNothing()
    {
        await using var h = await CliHarness.CreateAsync("vanish");
        var path = h.Write("2024/05/gone.pdf", CliHarness.Pdf("gone"));
        var planner = new PlannerOptions();
        var files = new LocalFiles(h.Uploads);
        var source = new SourceEntry("2024/05/gone.pdf", new FileInfo(path).Length, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(path))), DateTimeOffset.UtcNow);
        var item = await new ReconcilePlanner(planner).PlanAsync(new[] { source }.ToAsyncEnumerable(), AsyncEnumerable.Empty<Core.Storage.StoredObject>()).FirstAsync();
        File.Delete(path);

        var store = new S3ObjectStore(h.S3, new S3StoreOptions());
        var steps = new StepRunner(store, h.Bucket, files, planner, MediaOffload.Core.Runs.SyncState.Empty(), new Lazy<IVariantEncoder>(() => throw new InvalidOperationException()), new MemoryBudget(1L << 30), 1);
        var failure = await Assert.ThrowsAsync<MediaOffload.Core.Runs.StepFailedException>(() => steps.RunAsync(item, CancellationToken.None));
        Assert.Contains("vanished", failure.Message);
        Assert.Empty(await h.KeysAsync());
    }

    [Fact]
    public async Task Upload_FileChangedAfterPlanning_FailsAndWritesNothing()
    {
        await using var h = await CliHarness.CreateAsync("changed");
        var path = h.Write("2024/05/c.pdf", CliHarness.Pdf("before"));
        var source = new SourceEntry("2024/05/c.pdf", new FileInfo(path).Length, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(File.ReadAllBytes(path))), DateTimeOffset.UtcNow);
        var item = await new ReconcilePlanner().PlanAsync(new[] { source }.ToAsyncEnumerable(), AsyncEnumerable.Empty<Core.Storage.StoredObject>()).FirstAsync();
        h.Write("2024/05/c.pdf", CliHarness.Pdf("after!"));

        var steps = new StepRunner(new S3ObjectStore(h.S3, new S3StoreOptions()), h.Bucket, new LocalFiles(h.Uploads), new PlannerOptions(), MediaOffload.Core.Runs.SyncState.Empty(), new Lazy<IVariantEncoder>(() => throw new InvalidOperationException()), new MemoryBudget(1L << 30), 1);
        var failure = await Assert.ThrowsAsync<MediaOffload.Core.Runs.StepFailedException>(() => steps.RunAsync(item, CancellationToken.None));
        Assert.Contains("changed", failure.Message);
        Assert.Empty(await h.KeysAsync());
    }

    [Fact]
    public async Task Sync_MissingBucket_ExitsWithUsageError()
    {
        await using var h = await CliHarness.CreateAsync("nobucket");
        h.Write("2024/05/a.pdf", CliHarness.Pdf("a"));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Commands.CliApp.RunAsync(["sync", h.Uploads, "--bucket", "no-such-bucket-here", "--endpoint-url", h.Endpoint, "--state", "none"], output, error, CancellationToken.None);
        Assert.Equal(2, exit);
        Assert.Contains("bucket 'no-such-bucket-here' does not exist", error.ToString());
    }

    [Fact]
    public async Task Sync_CredentialsRefused_ExitsWithClearError()
    {
        // moto checks signatures against its IAM users once INITIAL_NO_AUTH_ACTION_COUNT actions have passed;
        // with 0, the placeholder keys the CLI falls back to are refused as AWS would refuse unknown keys.
        await using var auth = await AuthMoto.StartAsync();
        var uploads = Directory.CreateTempSubdirectory("cli-auth-").FullName;
        File.WriteAllBytes(Path.Combine(uploads, "a.pdf"), CliHarness.Pdf("a"));
        var error = new StringWriter();
        var exit = await Commands.CliApp.RunAsync(["sync", uploads, "--bucket", "media", "--endpoint-url", auth.Endpoint, "--state", "none"], new StringWriter(), error, CancellationToken.None);
        Assert.Equal(1, exit);
        Assert.Contains("credentials were refused", error.ToString());
        Assert.True(File.Exists(Path.Combine(uploads, "a.pdf")));
    }

    [Theory]
    [InlineData("sync", "/nonexistent/uploads", "--bucket", "media")]
    [InlineData("sync", ".", "--bucket", "media", "--concurrency", "0")]
    [InlineData("sync", ".", "--bucket", "Bad_Bucket")]
    [InlineData("sync", ".", "--bucket", "media", "--force")]
    [InlineData("sync", ".", "--bucket", "media", "--endpoint-url", "ftp://x")]
    [InlineData("sync", ".")]
    [InlineData("sync", ".", "--bucket", "media", "--no-such-option")]
    [InlineData("frobnicate")]
    public async Task Run_BadArguments_ExitsTwo(params string[] args)
    {
        var error = new StringWriter();
        Assert.Equal(2, await Commands.CliApp.RunAsync(args, new StringWriter(), error, CancellationToken.None));
        Assert.StartsWith("error:", error.ToString());
    }

    private sealed class AuthMoto : IAsyncDisposable
    {
        private readonly Process _process;

        private AuthMoto(Process process, string endpoint)
        {
            _process = process;
            Endpoint = endpoint;
        }

        public string Endpoint { get; }

        public static async Task<AuthMoto> StartAsync()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var info = new ProcessStartInfo("moto_server") { RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add("-H");
            info.ArgumentList.Add("127.0.0.1");
            info.ArgumentList.Add("-p");
            info.ArgumentList.Add(port.ToString());
            info.Environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "0";
            var process = Process.Start(info)!;
            var endpoint = $"http://127.0.0.1:{port}";
            using var http = new HttpClient();
            for (var i = 0; i < 100; i++)
            {
                try
                {
                    await http.GetAsync(endpoint + "/moto-api/");
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100);
                }
            }

            return new AuthMoto(process, endpoint);
        }

        public ValueTask DisposeAsync()
        {
            _process.Kill(entireProcessTree: true);
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
