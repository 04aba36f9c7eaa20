using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using static MediaOffload.Core.Tests.Reconcile.PlannerFixture;

namespace MediaOffload.Core.Tests.Reconcile;

public class SupportTests
{
    [Theory]
    [InlineData(0, 1000, false, true)]
    [InlineData(100, 1000, false, true)]
    [InlineData(101, 100_000, false, false)]
    [InlineData(20, 100, false, false)]
    [InlineData(5_000, 10_000, true, true)]
    public void Check_DeletionGuard_CapsUnlessForced(long orphans, long listed, bool force, bool allowed) =>
        Assert.Equal(allowed, new DeletionGuard().Check(orphans, listed, force) is null);

    [Fact]
    public void Complete_OutOfOrder_AdvancesOnlyOverFinishedPrefix()
    {
        var tracker = new CheckpointTracker();
        var a = tracker.Start("a");
        var b = tracker.Start("b");
        var c = tracker.Start("c");
        tracker.Complete(b);
        Assert.Null(tracker.After);
        tracker.Complete(a);
        Assert.Equal("b", tracker.After);
        tracker.Complete(c);
        Assert.Equal("c", tracker.After);
    }

    [Fact]
    public void FromJson_RoundTrip_KeepsCheckpointWithItsOpenVariants()
    {
        var source = Source("a b+é.jpg");
        var pending = new PendingVariant("wp-content/uploads/a b+é.jpg.webp", "wp-content/uploads/a b+é.jpg", source, "\"etag\"", Modified, PlanAction.Skip);
        var checkpoint = MediaOffload.Core.Runs.RunCheckpoint.Start(new MediaOffload.Core.Runs.ReconcileRequest("sync"), "scope", Modified) with
        {
            Resume = new PlanResume("wp-content/uploads/a b+é.jpg", [pending]),
            Done = new Dictionary<string, long> { ["Upload"] = 3 },
            PendingDeletes = [new MediaOffload.Core.Runs.PendingDelete("wp-content/uploads/gone.pdf", "\"e\"")],
        };

        var back = MediaOffload.Core.Runs.RunCheckpoint.FromJson(checkpoint.ToJson());

        Assert.Equal(checkpoint.After, back!.After);
        Assert.Equal(pending, back.Resume!.Pending.Single());
        Assert.Equal(3, back.Done["Upload"]);
        Assert.Equal("wp-content/uploads/gone.pdf", back.PendingDeletes.Single().Key);
        Assert.Null(MediaOffload.Core.Runs.RunCheckpoint.FromJson("{not json"u8));
        Assert.Null(MediaOffload.Core.Runs.RunCheckpoint.FromJson("{\"version\":1,\"runId\":\"r\",\"scope\":\"s\"}"u8));
    }

    [Fact]
    public async Task WriteCsv_Plan_ListsOnlyHeaderFixesUrlEncoded()
    {
        var ok = Source("ok.pdf");
        var bad = Source("2024/a b+é%.pdf");
        var wrong = ObjectFor(bad) with { Headers = ObjectFor(bad).Headers! with { CacheControl = "max-age=60" } };
        var plan = await PlanAsync([ok, bad, Source("new.pdf")], [ObjectFor(ok), wrong]);
        var writer = new StringWriter();
        var lines = await BatchOperationsManifest.WriteCsvAsync(plan.ToAsyncEnumerable(), "media", writer);
        Assert.Equal(1, lines);
        Assert.Equal("media,wp-content/uploads/2024/a%20b%2B%C3%A9%25.pdf\n", writer.ToString());
    }

    [Fact]
    public void Check_ObjectAudit_FindsWrongCacheControlAndMissingVariantETag()
    {
        var pdf = Source("a.pdf");
        var policy = Options.Policy;
        Assert.Null(ObjectAudit.Check(ObjectFor(pdf), policy));
        Assert.StartsWith("Cache-Control", ObjectAudit.Check(ObjectFor(pdf) with { Headers = ObjectFor(pdf).Headers! with { CacheControl = "x" } }, policy));
        var jpg = Source("a.jpg");
        var variant = VariantFor(jpg);
        Assert.Null(ObjectAudit.Check(variant, policy));
        Assert.StartsWith("variant records no source ETag", ObjectAudit.Check(variant with { Headers = variant.Headers! with { Metadata = new Dictionary<string, string>() } }, policy));
    }
}
