using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using static MediaOffload.Core.Tests.Reconcile.PlannerFixture;

namespace MediaOffload.Core.Tests.Reconcile;

/// <summary>The planner's side of docs/keys.md: reserved variant names, contested keys, foreign objects, owners.</summary>
public sealed class PlannerOwnershipTests
{
    [Fact]
    public async Task Plan_FileNamedLikeAVariant_IsSkippedAndTheRealVariantIsStillPlanned()
    {
        var victim = Source("2024/05/victim.jpg");
        var impostor = Source("2024/05/victim.jpg.webp");

        var items = await PlanAsync([victim, impostor], [ObjectFor(victim), VariantFor(victim)]);

        var forKey = items.Where(i => i.Key == "wp-content/uploads/2024/05/victim.jpg.webp").ToList();
        Assert.Equal(2, forKey.Count);
        Assert.Contains(forKey, i => i.Action == PlanAction.Skip && i.Source == impostor && i.Reported && i.Reason.Contains("reserved for a variant of 'victim.jpg'", StringComparison.Ordinal));
        Assert.Contains(forKey, i => i.Action == PlanAction.Skip && i.Source == victim && i.Reason == "variant in sync");
        Assert.DoesNotContain(items, i => i.Action is PlanAction.Upload or PlanAction.Replace or PlanAction.DeleteOrphan);
    }

    [Fact]
    public async Task Plan_FileNamedLikeAVariantWithoutItsSource_NeverUploadsNorDeletesTheObject()
    {
        var impostor = Source("2024/05/victim.jpg.webp");
        var foreign = new StoredObject("b", "wp-content/uploads/2024/05/victim.jpg.webp", 10, "\"f\"", Modified,
            new ObjectHeaders("image/webp", CachePolicy.LongLived, new Dictionary<string, string>()));

        var items = await PlanAsync([impostor], [foreign]);

        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal(PlanAction.Skip, i.Action));
        Assert.All(items, i => Assert.True(i.Reported));
        Assert.Contains(items, i => i.Object == foreign && i.Reason.Contains("left alone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_ForeignObjectAtTheVariantKey_IsLeftAloneAndReported()
    {
        var photo = Source("a.jpg");
        var foreign = VariantFor(photo) with { Headers = new ObjectHeaders("image/webp", CachePolicy.LongLived, new Dictionary<string, string>()) };

        var items = await PlanAsync([photo], [ObjectFor(photo), foreign]);

        var variant = items.Single(i => i.Key.EndsWith(".webp", StringComparison.Ordinal));
        Assert.Equal(PlanAction.Skip, variant.Action);
        Assert.True(variant.Reported);
        Assert.Contains("not a variant", variant.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ForeignObjectAtAVariantKeyWithoutSource_IsAnOrphanButNotAVariant()
    {
        var foreign = new StoredObject("b", "wp-content/uploads/gone.jpg.webp", 10, "\"f\"", Modified,
            new ObjectHeaders("image/webp", CachePolicy.LongLived, new Dictionary<string, string>()));

        var item = Assert.Single(await PlanAsync([], [foreign]));

        Assert.Equal(PlanAction.DeleteOrphan, item.Action);
        Assert.Equal("no source file", item.Reason);
    }

    [Fact]
    public async Task Plan_ContestedKey_IsSkippedAndItsObjectNeverDeleted()
    {
        var owner = Source("2024/05/caf\u00E9.jpg");
        var contested = SourceEntry.Contested("2024/05/caf\u00E9.jpg", "'caf\u00E9.jpg' and 'cafe\u0301.jpg' on disk both map to this key");

        var items = await PlanAsync([contested], [ObjectFor(owner), VariantFor(owner)]);

        var item = items.Single(i => i.Key == "wp-content/uploads/2024/05/caf\u00E9.jpg");
        Assert.Equal(PlanAction.Skip, item.Action);
        Assert.True(item.Reported);
        Assert.Contains("both map to this key", item.Reason, StringComparison.Ordinal);
        // Its variant is left alone too: no orphan while its source object is there.
        Assert.All(items, i => Assert.Equal(PlanAction.Skip, i.Action));
        Assert.Equal(2, items.Count);
    }

    [Fact]
    public async Task Plan_ObjectOfAnotherNameOnDisk_LocalFolderLeavesItAlone()
    {
        var written = Source("2024/05/caf\u00E9.jpg") with { Owner = KeyOwner.For(null, "2024/05/caf\u00E9.jpg") };
        var local = Source("2024/05/caf\u00E9.jpg", md5: "00000000000000000000000000000000") with { Owner = KeyOwner.For(null, "2024/05/cafe\u0301.jpg") };

        var items = await PlanAsync([local], [ObjectFor(written), VariantFor(written)]);

        Assert.All(items, i => Assert.Equal(PlanAction.Skip, i.Action));
        var item = items[0];
        Assert.True(item.Reported);
        Assert.Contains("left alone", item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ObjectOfAnotherAttachment_ManifestRewritesItsOwner()
    {
        var stale = Source("a.pdf") with { Owner = KeyOwner.For(7, "a.pdf") };
        var current = Source("a.pdf") with { Owner = KeyOwner.For(9, "a.pdf") };

        var item = Assert.Single(await PlanAsync([current], [ObjectFor(stale)], Options with { SourceOwnsKeys = true }));

        Assert.Equal(PlanAction.FixHeaders, item.Action);
        Assert.Contains("attachment 7", item.Reason, StringComparison.Ordinal);
        Assert.Equal("9", item.Headers!.Metadata[KeyOwner.AttachmentIdKey]);
    }

    [Fact]
    public async Task Plan_ObjectRecordingNoOwner_IsAdoptedWithoutDrift()
    {
        var legacy = Source("a.pdf");
        var withOwner = legacy with { Owner = KeyOwner.For(9, "a.pdf") };

        foreach (var owns in new[] { false, true })
        {
            var item = Assert.Single(await PlanAsync([withOwner], [ObjectFor(legacy)], Options with { SourceOwnsKeys = owns }));
            Assert.Equal(PlanAction.Skip, item.Action);
            Assert.Equal("in sync", item.Reason);
        }
    }
}
