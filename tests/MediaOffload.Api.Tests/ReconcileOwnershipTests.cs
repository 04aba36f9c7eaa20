using System.Net;
using System.Net.Http.Json;
using Amazon.S3.Model;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Reconcile;
using MediaOffload.Imaging.Tests;

namespace MediaOffload.Api.Tests;

/// <summary>
/// docs/keys.md through the Reconciler: the manifest is the owner record, so its owners and on-disk names reach the
/// bucket, and a name reserved for a variant never replaces one. Against the real app, worker, moto and origin.
/// </summary>
public sealed class ReconcileOwnershipTests : IAsyncLifetime
{
    private const string Prefix = "wp-content/uploads/";
    private ServiceHost _host = null!;
    private readonly List<object> _manifest = [];

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _host.Origin.ServeManifest(_manifest, pageSize: 2, ServiceHost.Secret);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Reconcile_NfdNamedFile_IsFetchedByItsNameOnDiskAndRecordedAsItsOwner()
    {
        var nfdName = "2024/05/cafe\u0301.jpg";
        var content = TestImages.Jpeg(40, 30);
        _host.Origin.Serve(nfdName, content);
        _manifest.Add(new { path = "2024/05/caf\u00E9.jpg", url = _host.Origin.UrlFor(nfdName), size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg", modified = "2024-05-01T10:00:00Z", attachmentId = 12 });

        var answer = await InvokeAsync(new { action = "backfill", dryRun = false });

        Assert.Equal(1, answer.Report!.Done[nameof(PlanAction.Upload)]);
        var head = await WaitForHeadAsync(Prefix + "2024/05/caf\u00E9.jpg");
        Assert.Equal("12", head.Metadata["x-amz-meta-attachment-id"]);
        Assert.Equal(KeyOwner.NameDigest(nfdName), head.Metadata["x-amz-meta-source-name"]);
        Assert.Equal(1, _host.Origin.Hits(nfdName));
    }

    [Fact]
    public async Task Reconcile_ObjectOfAnAttachmentTheManifestNoLongerHas_IsRewrittenForTheOwner()
    {
        var content = TestImages.Jpeg(40, 30);
        await PutAsync(Prefix + "2024/05/reused.jpg", content, KeyOwner.For(5, "2024/05/reused.jpg"));
        _host.Origin.Serve("2024/05/reused.jpg", content);
        _manifest.Add(new { path = "2024/05/reused.jpg", size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg", modified = "2024-05-01T10:00:00Z", attachmentId = 6 });

        var answer = await InvokeAsync(new { action = "backfill", dryRun = false });

        Assert.Equal(1, answer.Report!.Done[nameof(PlanAction.FixHeaders)]);
        var head = await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, Prefix + "2024/05/reused.jpg");
        Assert.Equal("6", head.Metadata["x-amz-meta-attachment-id"]);
    }

    [Fact]
    public async Task Reconcile_ManifestListingAReservedName_SkipsItAndTheVariantIsUntouched()
    {
        var image = TestImages.Jpeg(64, 48);
        _host.Origin.Serve("2024/05/victim.jpg", image);
        _manifest.Add(new { path = "2024/05/victim.jpg", size = image.Length, md5 = ServiceHost.Md5(image), mime = "image/jpeg", modified = "2024-05-01T10:00:00Z", attachmentId = 1 });
        await InvokeAsync(new { action = "backfill", dryRun = false });
        var variant = await WaitForHeadAsync(Prefix + "2024/05/victim.jpg.webp");

        var impostor = ServiceHost.FakeJpeg(900, seed: 3);
        _host.Origin.Serve("2024/05/victim.jpg.webp", impostor);
        _manifest.Add(new { path = "2024/05/victim.jpg.webp", size = impostor.Length, md5 = ServiceHost.Md5(impostor), mime = "image/webp", modified = "2024-05-01T10:00:00Z", attachmentId = 2 });
        var answer = await InvokeAsync(new { action = "backfill", dryRun = false, delete = true });

        Assert.Contains(answer.Report!.Skipped, s => s.Key == Prefix + "2024/05/victim.jpg.webp" && s.Reason.Contains("reserved", StringComparison.Ordinal));
        Assert.Equal(variant.ETag, (await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, Prefix + "2024/05/victim.jpg.webp")).ETag);
        Assert.Equal(0, _host.Origin.Hits("2024/05/victim.jpg.webp"));
    }

    [Fact]
    public async Task Reconcile_ManifestUrlOutsideTheUploadsBase_IsReportedAndNotFetched()
    {
        var content = TestImages.Jpeg(40, 30);
        _manifest.Add(new { path = "2024/05/a.jpg", url = _host.Origin.BaseUrl + "/wp-config.php", size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg", attachmentId = 3 });

        var answer = await InvokeAsync(new { action = "backfill", dryRun = false });

        Assert.Contains(answer.Report!.Skipped, s => s.Key == Prefix + "2024/05/a.jpg" && s.Reason.Contains("manifest url", StringComparison.Ordinal));
        Assert.Equal(0, _host.Origin.HitsAt("/wp-config.php"));
        Assert.Equal(_host.Origin.HitsAt(MediaOffload.TestSupport.LoopbackOrigin.ManifestRoute), _host.Origin.TotalHits);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    private async Task PutAsync(string key, byte[] content, KeyOwner owner)
    {
        var request = new PutObjectRequest { BucketName = _host.MediaBucket, Key = key, InputStream = new MemoryStream(content), ContentType = "image/jpeg" };
        request.Headers.CacheControl = CachePolicy.LongLived;
        request.Metadata.Add("source-md5", ServiceHost.Md5(content));
        request.Metadata.Add("source-modified", "2024-05-01T10:00:00Z");
        request.Metadata.Add("cache-policy", new CachePolicy().Version);
        var metadata = new Dictionary<string, string>();
        owner.WriteTo(metadata);
        foreach (var (k, v) in metadata)
        {
            request.Metadata.Add(k, v);
        }

        await _host.S3.PutObjectAsync(request);
    }

    private async Task<RunAnswer> InvokeAsync(object payload)
    {
        var response = await _host.Http.PostAsJsonAsync(ReconcileEventHandler.EndpointPath, payload);
        var answer = await response.Content.ReadFromJsonAsync<RunAnswer>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {answer?.Error}");
        return answer!;
    }

    private async Task<GetObjectMetadataResponse> WaitForHeadAsync(string key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _host.KeysAsync(_host.MediaBucket)).Contains(key))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{key} did not appear");
            await Task.Delay(100);
        }

        return await _host.S3.GetObjectMetadataAsync(_host.MediaBucket, key);
    }
}
