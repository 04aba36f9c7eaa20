using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using static MediaOffload.Core.Tests.Reconcile.PlannerFixture;

namespace MediaOffload.Core.Tests.Reconcile;

public class ReconcilePlannerTests
{
    [Fact]
    public async Task Plan_RemoteOnlyFileWithItsObject_InSyncAndNotFetched()
    {
        var photo = Source("2024/05/a.jpg") with { RemoteOnly = true };
        var items = await PlanAsync([photo], [ObjectFor(photo)]);

        var item = items.Single(i => i.Key == "wp-content/uploads/2024/05/a.jpg");
        Assert.Equal((PlanAction.Skip, "in sync"), (item.Action, item.Reason));
        Assert.DoesNotContain(items, i => i.Action is PlanAction.Upload or PlanAction.Replace or PlanAction.DeleteOrphan);
    }

    [Fact]
    public async Task Plan_RemoteOnlyFileWithoutObject_ReportedNeverUploaded()
    {
        var photo = Source("2024/05/a.jpg") with { RemoteOnly = true };
        var item = Assert.Single(await PlanAsync([photo], []));

        Assert.Equal((PlanAction.Skip, true), (item.Action, item.Reported));
        Assert.Contains("remote-only file has no object", item.Reason);
        Assert.False(item.IsDrift);
    }

    [Theory]
    [InlineData("size")]
    [InlineData("md5")]
    public async Task Plan_RemoteOnlyFileWhoseObjectDiffers_ReportedAndTheObjectLeftAlone(string what)
    {
        var photo = Source("2024/05/a.jpg") with { RemoteOnly = true };
        var obj = what == "size" ? ObjectFor(photo) with { Size = 5 } : ObjectFor(photo) with { ETag = "\"0123\"" };

        var items = await PlanAsync([photo], [obj]);

        var item = items.Single(i => i.Key == obj.Key);
        Assert.Equal((PlanAction.Skip, true), (item.Action, item.Reported));
        Assert.Contains("remote-only file differs from its object", item.Reason);
        Assert.DoesNotContain(items, i => i.Action is PlanAction.Replace or PlanAction.DeleteOrphan);
    }

    [Fact]
    public async Task Plan_SourceWithoutObject_Uploads()
    {
        var pdf = Source("2024/05/doc.pdf");
        var item = Assert.Single(await PlanAsync([pdf], []));
        Assert.Equal(PlanAction.Upload, item.Action);
        Assert.Equal("wp-content/uploads/2024/05/doc.pdf", item.Key);
        Assert.Equal("application/pdf", item.Headers!.ContentType);
        Assert.Equal(pdf.Md5, item.Headers.Metadata[MediaMetadata.SourceMd5]);
        Assert.Equal("2024-05-01T10:00:00Z", item.Headers.Metadata[MediaMetadata.SourceModified]);
        Assert.Equal(Options.Policy.Version, item.Headers.Metadata[MediaMetadata.CachePolicy]);
    }

    [Fact]
    public async Task Plan_ObjectInSync_Skips()
    {
        var pdf = Source("2024/05/doc.pdf");
        var item = Assert.Single(await PlanAsync([pdf], [ObjectFor(pdf)]));
        Assert.Equal(PlanAction.Skip, item.Action);
        Assert.Equal("in sync", item.Reason);
    }

    [Fact]
    public async Task Plan_SizeDiffers_Replaces()
    {
        var pdf = Source("a.pdf");
        var item = Assert.Single(await PlanAsync([pdf], [ObjectFor(pdf) with { Size = 5 }]));
        Assert.Equal(PlanAction.Replace, item.Action);
        Assert.Contains("size differs", item.Reason);
    }

    [Fact]
    public async Task Plan_SinglePartETagDiffers_Replaces()
    {
        var pdf = Source("a.pdf");
        var item = Assert.Single(await PlanAsync([pdf], [ObjectFor(pdf) with { ETag = "\"0123\"" }]));
        Assert.Equal(PlanAction.Replace, item.Action);
        Assert.Equal("MD5 differs from ETag", item.Reason);
    }

    [Fact]
    public async Task Plan_MultipartWithRecordedMd5_UsesMetadataNotETag()
    {
        var pdf = Source("a.pdf");
        var item = Assert.Single(await PlanAsync([pdf], [ObjectFor(pdf) with { ETag = "\"abc-3\"" }]));
        Assert.Equal(PlanAction.Skip, item.Action);
    }

    [Fact]
    public async Task Plan_MultipartWithOtherRecordedMd5_Replaces()
    {
        var pdf = Source("a.pdf");
        var stale = ObjectFor(Source("a.pdf", md5: "00000000000000000000000000000000")) with { ETag = "\"abc-3\"" };
        var item = Assert.Single(await PlanAsync([pdf], [stale]));
        Assert.Equal(PlanAction.Replace, item.Action);
        Assert.Contains("source-md5", item.Reason);
    }

    [Theory]
    [InlineData("cache-control", "Cache-Control is")]
    [InlineData("content-type", "Content-Type is")]
    [InlineData("policy", "cache-policy p0-old is stale")]
    [InlineData("no-md5", "no source-md5 metadata")]
    public async Task Plan_WrongHeaders_FixesHeaders(string what, string reason)
    {
        var pdf = Source("a.pdf");
        var good = ObjectFor(pdf);
        var metadata = new Dictionary<string, string>(good.Headers!.Metadata);
        var headers = what switch
        {
            "cache-control" => good.Headers with { CacheControl = "max-age=300" },
            "content-type" => good.Headers with { ContentType = "binary/octet-stream" },
            "policy" => good.Headers with { Metadata = new Dictionary<string, string>(metadata) { [MediaMetadata.CachePolicy] = "p0-old" } },
            _ => good.Headers with { Metadata = metadata.Where(m => m.Key != MediaMetadata.SourceMd5).ToDictionary() },
        };
        var item = Assert.Single(await PlanAsync([pdf], [good with { Headers = headers }]));
        Assert.Equal(PlanAction.FixHeaders, item.Action);
        Assert.StartsWith(reason, item.Reason);
        Assert.Equal(ObjectHeaderRules.ForSource(MediaTypes.ForExtension("pdf")!, Options.Policy, pdf).CacheControl, item.Headers!.CacheControl);
    }

    [Fact]
    public async Task Plan_UnauditedObject_ComparesSizeAndMd5Only()
    {
        var pdf = Source("a.pdf");
        var item = Assert.Single(await PlanAsync([pdf], [ObjectFor(pdf, audited: false)]));
        Assert.Equal(PlanAction.Skip, item.Action);
        Assert.Contains("not audited", item.Reason);
    }

    [Fact]
    public async Task Plan_ImageWithoutVariant_GeneratesVariantAfterSource()
    {
        var jpg = Source("2024/05/p.jpg");
        var items = await PlanAsync([jpg], [ObjectFor(jpg)]);
        Assert.Equal([PlanAction.Skip, PlanAction.GenerateVariant], items.Select(i => i.Action));
        Assert.Equal("wp-content/uploads/2024/05/p.jpg.webp", items[1].Key);
        Assert.Equal("variant missing", items[1].Reason);
        Assert.Equal("wp-content/uploads/2024/05/p.jpg", items[1].SourceKey);
        Assert.Equal($"\"{jpg.Md5}\"", items[1].SourceETag);
    }

    [Fact]
    public async Task Plan_VariantRecordsOtherETag_RegeneratesStaleVariant()
    {
        var jpg = Source("p.jpg");
        var items = await PlanAsync([jpg], [ObjectFor(jpg), VariantFor(jpg, "deadbeef")]);
        Assert.Equal(PlanAction.GenerateVariant, items[1].Action);
        Assert.StartsWith("variant is stale", items[1].Reason);
    }

    [Fact]
    public async Task Plan_VariantInSync_SkipsAndIsNoOrphan()
    {
        var jpg = Source("p.jpg");
        var items = await PlanAsync([jpg], [ObjectFor(jpg), VariantFor(jpg)]);
        Assert.All(items, i => Assert.Equal(PlanAction.Skip, i.Action));
        Assert.Equal(2, items.Count);
    }

    [Fact]
    public async Task Plan_SourceBeingUploaded_AlwaysRegeneratesVariant()
    {
        var jpg = Source("p.jpg");
        var items = await PlanAsync([jpg], [VariantFor(jpg)]);
        Assert.Equal([PlanAction.Upload, PlanAction.GenerateVariant], items.Select(i => i.Action));
        Assert.Null(items[1].SourceETag);
    }

    [Fact]
    public async Task Plan_VariantWithoutSource_IsOrphan()
    {
        var jpg = Source("p.jpg");
        var item = Assert.Single(await PlanAsync([], [VariantFor(jpg)]));
        Assert.Equal(PlanAction.DeleteOrphan, item.Action);
        Assert.Equal("variant whose source is gone", item.Reason);
    }

    [Fact]
    public async Task Plan_ObjectWithoutSource_IsOrphan()
    {
        var item = Assert.Single(await PlanAsync([], [ObjectFor(Source("old.pdf"))]));
        Assert.Equal(PlanAction.DeleteOrphan, item.Action);
        Assert.Equal("no source file", item.Reason);
    }

    [Fact]
    public async Task Plan_RejectedSource_SkipsWithReasonAndDeletesItsObject()
    {
        var php = SourceEntry.Rejected("shell.php", "type .php may not be offloaded");
        var items = await PlanAsync([php, SourceEntry.Rejected("x.jpg", "content is a script or markup, not JPEG")],
            [new StoredObject("b", "wp-content/uploads/shell.php", 10, "\"e\"", Modified)]);
        Assert.Equal(PlanAction.DeleteOrphan, items[0].Action);
        Assert.Contains("not offloadable", items[0].Reason);
        Assert.Equal(PlanAction.Skip, items[1].Action);
        Assert.Contains("script", items[1].Reason);
    }

    [Fact]
    public async Task Plan_VariantKeysOutOfSourceOrder_PairsEveryVariant()
    {
        // "a.jpg.webp" sorts after "a.jpg-b.jpg.webp": variants do not follow their sources in listing order.
        var a = Source("a.jpg");
        var ab = Source("a.jpg-b.jpg");
        var items = await PlanAsync([a, ab], [ObjectFor(a), ObjectFor(ab), VariantFor(a), VariantFor(ab)]);
        Assert.All(items, i => Assert.Equal(PlanAction.Skip, i.Action));
        Assert.Equal(items.Select(i => i.Key).Order(KeyOrder.Utf8), items.Select(i => i.Key));
    }

    [Fact]
    public async Task Plan_UnsortedSource_Throws()
    {
        var planner = new ReconcilePlanner();
        var sources = new[] { Source("b.pdf"), Source("a.pdf") }.ToAsyncEnumerable();
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in planner.PlanAsync(sources, AsyncEnumerable.Empty<StoredObject>()))
            {
            }
        });
    }

    [Fact]
    public async Task Plan_Resume_SkipsEverythingUpToItAndRestoresTheOpenVariants()
    {
        var a = Source("a.jpg");
        var b = Source("b.pdf");
        var first = new ReconcilePlanner(Options);
        var plan = first.PlanAsync(new[] { a, b }.ToAsyncEnumerable(), new[] { ObjectFor(a) }.ToAsyncEnumerable());
        var taken = await plan.FirstAsync();
        Assert.Equal("wp-content/uploads/a.jpg", taken.Key);
        var resume = new PlanResume(taken.Key, first.Pending);
        Assert.Equal(["wp-content/uploads/a.jpg.webp"], resume.Pending.Select(p => p.Key));

        // The resumed plan never sees a.jpg again, yet still plans its variant, and then what follows.
        var items = await PlanAsync([b], [], Options with { Resume = resume });

        Assert.Equal(["wp-content/uploads/a.jpg.webp", "wp-content/uploads/b.pdf"], items.Select(i => i.Key));
        Assert.Equal(PlanAction.GenerateVariant, items[0].Action);
    }

    [Fact]
    public async Task Plan_Resume_InputsBeforeTheResumePoint_AreSkipped()
    {
        var a = Source("a.pdf");
        var b = Source("b.pdf");
        var items = await PlanAsync([a, b], [ObjectFor(a), ObjectFor(b)], Options with { Resume = new PlanResume("wp-content/uploads/a.pdf", []) });
        Assert.Equal(["wp-content/uploads/b.pdf"], items.Select(i => i.Key));
    }

    [Fact]
    public async Task Plan_EmptyPrefix_KeysAreBarePaths()
    {
        var item = Assert.Single(await PlanAsync([Source("x.pdf")], [], Options with { Keys = new MediaOffload.Core.Paths.MediaKeys("") }));
        Assert.Equal("x.pdf", item.Key);
    }
}
