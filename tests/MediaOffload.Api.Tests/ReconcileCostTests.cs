using MediaOffload.Api.Reconcile;
using MediaOffload.Cli.Commands;
using MediaOffload.Core.Reconcile;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary>What a scheduled reconcile costs when there is nothing to do (docs/reconcile.md, "State").</summary>
public sealed class ReconcileCostTests : IAsyncLifetime
{
    private const int Documents = 2_000;
    private const int Images = 20;
    // Each image, its .avif and its .webp (docs/keys.md, "Variants").
    private const int Objects = Documents + 3 * Images;
    private ServiceHost _host = null!;
    private string _uploads = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _uploads = Directory.CreateTempSubdirectory("cost-").FullName;
        for (var i = 0; i < Documents; i++)
        {
            Write($"20{10 + i % 15}/{i % 12 + 1:D2}/report-{i:D4}.pdf", ServiceHost.Utf8($"%PDF-1.4\n% {i}\n%%EOF\n"));
        }

        for (var i = 0; i < Images; i++)
        {
            Write($"2024/05/photo-{i:D2}.jpg", TestImages.Jpeg(24 + i, 16));
        }

        // The library is offloaded already (by the CLI, the fastest way to fill the bucket), variants included.
        var error = new StringWriter();
        var exit = await CliApp.RunAsync(["sync", _uploads, "--bucket", _host.MediaBucket, "--endpoint-url", _host.Moto.Endpoint, "--state", "none", "--concurrency", "16"],
            new StringWriter(), error, CancellationToken.None);
        Assert.True(exit == 0, error.ToString());
        _host.ServeAsWordPress(_uploads, pageSize: 500);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_uploads, recursive: true);
    }

    [Fact]
    public async Task ScheduledReconcile_InSyncLibrarySecondRun_MakesOnlyListRequestsAndWritesNoState()
    {
        var first = await ScheduledAsync();
        Assert.True(first.InSync, string.Join(", ", first.Plan?.Take(5).Select(p => $"{p.Action} {p.Key}: {p.Reason}") ?? []));
        // Without a state cache every object needs a HEAD for its headers; the run then remembers them.
        Assert.Equal(Objects, first.Requests["head"]);
        var stateKey = Assert.Single(await _host.KeysAsync(_host.ControlBucket, ControlBucket.StatePrefix));
        var stateBefore = await _host.S3.GetObjectMetadataAsync(_host.ControlBucket, stateKey);

        var second = await ScheduledAsync();

        Assert.True(second.InSync);
        Assert.Equal(Objects, second.Planned[nameof(PlanAction.Skip)]);
        Assert.True(second.Requests["list"] >= Objects / 1000);
        Assert.Equal(
            new Dictionary<string, long> { ["head"] = 0, ["put"] = 0, ["get"] = 0, ["copy"] = 0, ["delete"] = 0 },
            second.Requests.Where(r => r.Key != "list").ToDictionary());
        // Nothing changed, so the state cache is not written again.
        var stateAfter = await _host.S3.GetObjectMetadataAsync(_host.ControlBucket, stateKey);
        Assert.Equal(stateBefore.ETag, stateAfter.ETag);
        Assert.Equal(stateBefore.LastModified, stateAfter.LastModified);
        Assert.Empty(await _host.KeysAsync(_host.ControlBucket, "jobs/"));
    }

    private void Write(string path, byte[] content)
    {
        var full = Path.Combine(_uploads, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
    }

    private async Task<ReconcileReport> ScheduledAsync()
    {
        var answer = await _host.InvokeReconcilerAsync(new { action = "reconcile" });
        Assert.Equal("finished", answer.Status);
        return answer.Report!;
    }
}
