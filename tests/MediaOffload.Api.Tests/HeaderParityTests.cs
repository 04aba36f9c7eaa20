using System.Net;
using Amazon.S3.Model;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Imaging.Tests;
using MediaOffload.Storage;

namespace MediaOffload.Api.Tests;

/// <summary>
/// Every writer composes headers from one rule and every audit checks that rule (docs/decisions.md, "Object
/// headers"): objects written by the offload worker, the Variants function and the Reconciler, under Cache-Control
/// overrides, audit with zero drift.
/// </summary>
public sealed class HeaderParityTests : IAsyncLifetime
{
    private const string Prefix = "wp-content/uploads/";

    private static readonly Dictionary<string, string> Overrides = new()
    {
        ["webp"] = "public, max-age=600",
        ["jpg"] = "public, max-age=86400",
        ["Image"] = "public, max-age=3600",
    };

    private readonly CachePolicy _policy = new(Overrides);
    private readonly string _uploads = Directory.CreateTempSubdirectory("headers-").FullName;
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync(s =>
    {
        foreach (var (key, value) in Overrides)
        {
            s[$"Offload:CacheControl:{key}"] = value;
        }
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_uploads, recursive: true);
    }

    [Fact]
    public async Task Audit_EveryWriterUnderOverrides_FindsZeroDrift()
    {
        // The offload worker writes the originals; each image's upload notification has the Variants function write
        // its variant.
        var files = new Dictionary<string, byte[]>
        {
            ["2024/05/photo.jpg"] = TestImages.Jpeg(64, 48),
            ["2024/05/scan.jpeg"] = TestImages.Jpeg(40, 40),
            ["2024/05/banner.webp"] = WebP(32, 16),
            ["2024/05/doc.pdf"] = ServiceHost.Utf8("%PDF-1.4\n% doc\n%%EOF\n"),
        };
        var builder = new EventBuilder(_host.Origin, attachmentId: 42);
        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_uploads, path))!);
            File.WriteAllBytes(Path.Combine(_uploads, path), content);
            builder.File(path, content, MediaTypes.ForExtension(Path.GetExtension(path)[1..])!.ContentType);
        }

        _host.ServeAsWordPress(_uploads, pageSize: 10, attachmentId: 42);
        var response = await _host.PostSignedAsync("/v1/events", builder.Build());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _host.WaitForKeysAsync(_host.MediaBucket, Prefix + "2024/05/photo.jpg.avif", Prefix + "2024/05/photo.jpg.webp", Prefix + "2024/05/scan.jpeg.avif", Prefix + "2024/05/scan.jpeg.webp");
        Assert.Equal("public, max-age=86400", (await HeadAsync("2024/05/photo.jpg.webp")).Headers.CacheControl);

        // The Reconciler writes too: it makes a lost variant again and puts stale headers right.
        await _host.S3.DeleteObjectAsync(_host.MediaBucket, Prefix + "2024/05/photo.jpg.webp");
        await _host.SetCacheControlAsync(_host.MediaBucket, Prefix + "2024/05/doc.pdf", "public, max-age=60");
        var fixing = await ReconcilerAsync(new { action = "backfill", dryRun = false });
        Assert.Equal(1, fixing.Done[nameof(PlanAction.GenerateVariant)]);
        Assert.Equal(1, fixing.Done[nameof(PlanAction.FixHeaders)]);

        // The audits: the planner's (a reconcile), and verify's rule over every object's HEAD.
        var audit = await ReconcilerAsync(new { action = "reconcile" });
        Assert.True(audit.InSync, string.Join(", ", audit.Plan?.Select(p => $"{p.Action} {p.Key}: {p.Reason}") ?? []));
        var store = new S3ObjectStore(_host.S3, new S3StoreOptions());
        var keys = await _host.KeysAsync(_host.MediaBucket, Prefix);
        // Four originals, and an .avif and a .webp for each of the two JPEGs.
        Assert.Equal(8, keys.Count);
        foreach (var key in keys)
        {
            var stored = (await store.HeadAsync(_host.MediaBucket, key, CancellationToken.None))!;
            Assert.Null(ObjectAudit.Check(stored, _policy));
        }

        // And the rule is the overrides', not the default's: the same objects audited without them are drift.
        Assert.NotNull(ObjectAudit.Check((await store.HeadAsync(_host.MediaBucket, Prefix + "2024/05/scan.jpeg.webp", CancellationToken.None))!, new CachePolicy()));
        Assert.Equal("public, max-age=3600", (await HeadAsync("2024/05/scan.jpeg")).Headers.CacheControl);
        Assert.Equal("public, max-age=3600", (await HeadAsync("2024/05/scan.jpeg.webp")).Headers.CacheControl);
        Assert.Equal("public, max-age=3600", (await HeadAsync("2024/05/scan.jpeg.avif")).Headers.CacheControl);
        Assert.Equal("public, max-age=600", (await HeadAsync("2024/05/banner.webp")).Headers.CacheControl);
        Assert.Equal(CachePolicy.LongLived, (await HeadAsync("2024/05/doc.pdf")).Headers.CacheControl);
    }

    [Fact]
    public async Task Cli_SyncAndVerifyUnderTheSameOverrides_FindZeroDriftAndMatchTheService()
    {
        Write("2024/05/photo.jpg", TestImages.Jpeg(64, 48));
        Write("2024/05/scan.jpeg", TestImages.Jpeg(40, 40));
        Write("2024/05/banner.webp", WebP(32, 16));
        Write("2024/05/doc.pdf", ServiceHost.Utf8("%PDF-1.4\n% doc\n%%EOF\n"));
        var bucket = await _host.Moto.CreateBucketAsync("parity-overrides");
        string[] overrides = [.. Overrides.SelectMany(o => new[] { "--cache-control", $"{o.Key}={o.Value}" })];

        var sync = await CliAsync(["sync", _uploads, "--bucket", bucket, "--state", "none", .. overrides]);
        var verify = await CliAsync(["verify", "--bucket", bucket, .. overrides]);
        var verifyDefaults = await CliAsync(["verify", "--bucket", bucket]);

        Assert.True(sync.Exit == 0, sync.Error);
        Assert.True(verify.Exit == 0, verify.Output);
        Assert.Equal(1, verifyDefaults.Exit);
        var store = new S3ObjectStore(_host.S3, new S3StoreOptions());
        var keys = await _host.KeysAsync(bucket, Prefix);
        Assert.Equal(8, keys.Count);
        foreach (var key in keys)
        {
            Assert.Null(ObjectAudit.Check((await store.HeadAsync(bucket, key, CancellationToken.None))!, _policy));
        }

        Assert.Equal("public, max-age=3600", (await _host.S3.GetObjectMetadataAsync(bucket, Prefix + "2024/05/scan.jpeg.avif")).Headers.CacheControl);
        Assert.Equal("public, max-age=86400", (await _host.S3.GetObjectMetadataAsync(bucket, Prefix + "2024/05/photo.jpg.avif")).Headers.CacheControl);
    }

    private async Task<(int Exit, string Output, string Error)> CliAsync(string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await MediaOffload.Cli.Commands.CliApp.RunAsync([.. args, "--endpoint-url", _host.Moto.Endpoint], output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private void Write(string path, byte[] content)
    {
        var full = Path.Combine(_uploads, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
    }

    private static byte[] WebP(int width, int height)
    {
        using var image = TestImages.Pixels(width, height, 3, TestImages.Gradient);
        return TestImages.Save(image, ".webp");
    }

    private async Task<GetObjectMetadataResponse> HeadAsync(string path) => await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, Prefix + path);

    private async Task<ReconcileReport> ReconcilerAsync(object payload) => (await _host.InvokeReconcilerAsync(payload)).Report!;
}
