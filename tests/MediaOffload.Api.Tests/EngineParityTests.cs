using MediaOffload.Cli.Commands;
using MediaOffload.Core.Reconcile;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary>
/// The CLI and the Reconciler function run one engine (docs/reconcile.md): the same drift, once in a local uploads
/// folder and once behind the plugin's manifest, gives the same plan and the same report counts.
/// </summary>
public sealed class EngineParityTests : IAsyncLifetime
{
    private const string Prefix = "wp-content/uploads/";
    private ServiceHost _host = null!;
    private string _uploads = null!;
    private string _cliBucket = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _cliBucket = await _host.Moto.CreateBucketAsync("parity-cli");
        _uploads = Directory.CreateTempSubdirectory("parity-").FullName;

        // In sync at first: both buckets get the same objects from the same folder, through the CLI.
        Write("2024/05/photo.jpg", TestImages.Jpeg(64, 48));
        Write("2024/05/doc.pdf", Pdf("doc"));
        Write("2024/06/logo.jpg", TestImages.Jpeg(32, 32));
        Write("2024/06/old.pdf", Pdf("old"));
        Write("2024/06/changed.pdf", Pdf("before"));
        foreach (var bucket in new[] { _host.MediaBucket, _cliBucket })
        {
            var (exit, error) = await CliAsync("sync", bucket);
            Assert.True(exit == 0, error);
        }

        // Then drift of every kind, the same in both: a file gone (orphan), a new image (upload and its variant), a
        // changed file (replace), stale headers (fix), and a lost variant (generate).
        File.Delete(Path.Combine(_uploads, "2024/06/old.pdf"));
        Write("2024/07/new.jpg", TestImages.Jpeg(40, 30));
        Write("2024/06/changed.pdf", Pdf("after, and longer"));
        foreach (var bucket in new[] { _host.MediaBucket, _cliBucket })
        {
            await _host.SetCacheControlAsync(bucket, Prefix + "2024/05/doc.pdf", "public, max-age=60");
            await _host.S3.DeleteObjectAsync(bucket, Prefix + "2024/05/photo.jpg.webp");
        }

        _host.ServeAsWordPress(_uploads, pageSize: 2);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_uploads, recursive: true);
    }

    [Fact]
    public async Task DryRun_SameDriftThroughCliAndReconciler_SamePlanAndCounts()
    {
        var (exit, cli) = await CliReportAsync("reconcile", _cliBucket);
        var lambda = await ReconcilerAsync(new { action = "backfill", dryRun = true, delete = true, force = true });

        Assert.Equal(1, exit);
        Assert.Equal(Steps(cli), Steps(lambda));
        Assert.Contains(("DeleteOrphan", Prefix + "2024/06/old.pdf"), Steps(cli).Select(s => (s.Action, s.Key)));
        Assert.Contains(("Replace", Prefix + "2024/06/changed.pdf"), Steps(cli).Select(s => (s.Action, s.Key)));
        Assert.Contains(("FixHeaders", Prefix + "2024/05/doc.pdf"), Steps(cli).Select(s => (s.Action, s.Key)));
        Assert.Contains(("GenerateVariant", Prefix + "2024/05/photo.jpg.webp"), Steps(cli).Select(s => (s.Action, s.Key)));
        Assert.Contains(("Upload", Prefix + "2024/07/new.jpg"), Steps(cli).Select(s => (s.Action, s.Key)));
        AssertSameCounts(cli, lambda);
    }

    [Fact]
    public async Task Sync_SameDriftThroughCliAndReconciler_SameReportCountsAndBothEndInSync()
    {
        var (exit, cli) = await CliReportAsync("sync", _cliBucket, "--delete", "--force");
        var lambda = await ReconcilerAsync(new { action = "backfill", dryRun = false, delete = true, force = true });

        Assert.Equal(0, exit);
        AssertSameCounts(cli, lambda);
        Assert.Equal(1, cli.Done[nameof(PlanAction.Upload)]);
        Assert.Equal(1, cli.Done[nameof(PlanAction.Replace)]);
        Assert.Equal(1, cli.Done[nameof(PlanAction.FixHeaders)]);
        Assert.Equal(1, cli.Done[nameof(PlanAction.DeleteOrphan)]);
        // new.jpg's .avif and .webp, and photo.jpg's lost .webp.
        Assert.Equal(3, cli.Done[nameof(PlanAction.GenerateVariant)]);
        Assert.Equal(0, cli.Drift);

        // The Reconciler's uploads are job objects the offload worker carries out; once they land, both buckets hold
        // the same keys, and a second pass of each finds nothing to do.
        await _host.WaitForKeysAsync(_host.MediaBucket, Prefix + "2024/07/new.jpg.avif", Prefix + "2024/07/new.jpg.webp");
        Assert.Equal(await KeysAsync(_cliBucket), await KeysAsync(_host.MediaBucket));
        var (again, cliAgain) = await CliReportAsync("reconcile", _cliBucket);
        var lambdaAgain = await ReconcilerAsync(new { action = "reconcile" });
        Assert.Equal(0, again);
        Assert.Equal(0, cliAgain.Drift);
        Assert.True(lambdaAgain.InSync, string.Join(", ", lambdaAgain.Plan?.Select(p => $"{p.Action} {p.Key}: {p.Reason}") ?? []));
    }

    private static void AssertSameCounts(ReconcileReport cli, ReconcileReport lambda)
    {
        Assert.Equal(cli.Planned, lambda.Planned);
        Assert.Equal(cli.Done, lambda.Done);
        Assert.Equal(cli.BytesPlanned, lambda.BytesPlanned);
        Assert.Equal(cli.Drift, lambda.Drift);
        Assert.Equal(cli.FailureCount, lambda.FailureCount);
        Assert.Equal(cli.Skipped.Count, lambda.Skipped.Count);
    }

    private static List<(string Action, string Key, string Reason)> Steps(ReconcileReport report) =>
        [.. (report.Plan ?? []).Select(p => (p.Action, p.Key, p.Reason)).Order()];

    private void Write(string path, byte[] content)
    {
        var full = Path.Combine(_uploads, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
    }

    private static byte[] Pdf(string seed) => ServiceHost.Utf8($"%PDF-1.4\n% {seed}\n%%EOF\n");

    private async Task<(int Exit, string Error)> CliAsync(string command, string bucket, params string[] extra)
    {
        var error = new StringWriter();
        var exit = await CliApp.RunAsync([command, _uploads, "--bucket", bucket, "--endpoint-url", _host.Moto.Endpoint, "--state", "none", .. extra], new StringWriter(), error, CancellationToken.None);
        return (exit, error.ToString());
    }

    private async Task<(int Exit, ReconcileReport Report)> CliReportAsync(string command, string bucket, params string[] extra)
    {
        var report = Path.Combine(_uploads, "..", $"{Path.GetFileName(_uploads)}-{command}-report.json");
        try
        {
            var (exit, error) = await CliAsync(command, bucket, ["--report", report, .. extra]);
            Assert.True(File.Exists(report), error);
            return (exit, ReconcileReport.FromJson(await File.ReadAllTextAsync(report))!);
        }
        finally
        {
            File.Delete(report);
        }
    }

    private async Task<ReconcileReport> ReconcilerAsync(object payload)
    {
        var answer = await _host.InvokeReconcilerAsync(payload);
        Assert.Equal("finished", answer.Status);
        return answer.Report!;
    }

    private async Task<List<string>> KeysAsync(string bucket) => await _host.KeysAsync(bucket, Prefix);
}
