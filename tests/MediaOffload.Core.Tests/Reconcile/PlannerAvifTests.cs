using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using static MediaOffload.Core.Tests.Reconcile.PlannerFixture;

namespace MediaOffload.Core.Tests.Reconcile;

/// <summary>The planner with AVIF and WebP variants (the default formats).</summary>
public class PlannerAvifTests
{
    [Fact]
    public async Task Plan_ImageWithoutVariants_GeneratesAvifThenWebPAfterItsSource()
    {
        var jpg = Source("2024/05/photo.jpg");

        var plan = await PlanAsync([jpg], [ObjectFor(jpg)], BothFormats);

        Assert.Equal(
            [(PlanAction.Skip, "wp-content/uploads/2024/05/photo.jpg"), (PlanAction.GenerateVariant, "wp-content/uploads/2024/05/photo.jpg.avif"), (PlanAction.GenerateVariant, "wp-content/uploads/2024/05/photo.jpg.webp")],
            plan.Select(i => (i.Action, i.Key)));
        Assert.All(plan.Skip(1), i => Assert.Equal("wp-content/uploads/2024/05/photo.jpg", i.SourceKey));
    }

    [Theory]
    [InlineData("image/avif")]
    [InlineData("image/webp")]
    [InlineData("image/jpeg")]
    public void VariantDifference_AvifKeyHoldingAnyAllowedFormat_IsNone(string contentType)
    {
        var headers = new ObjectHeaders(contentType, new CachePolicy().For(MediaTypes.ForExtension("jpg")!), new Dictionary<string, string>
        {
            [VariantMetadata.SourceETag] = "abc",
            [MediaMetadata.CachePolicy] = new CachePolicy().Version,
        });

        Assert.Null(ObjectHeaderRules.VariantDifference(headers, VariantTarget.Avif, MediaTypes.ForExtension("jpg")!, new CachePolicy()));
    }

    [Fact]
    public void VariantDifference_WebPKeyHoldingAvif_IsADifference()
    {
        var headers = new ObjectHeaders("image/avif", new CachePolicy().For(MediaTypes.ForExtension("jpg")!), new Dictionary<string, string>
        {
            [VariantMetadata.SourceETag] = "abc",
            [MediaMetadata.CachePolicy] = new CachePolicy().Version,
        });

        Assert.Contains("Content-Type", ObjectHeaderRules.VariantDifference(headers, VariantTarget.WebP, MediaTypes.ForExtension("jpg")!, new CachePolicy()));
    }

    [Fact]
    public async Task Plan_BothVariantsCurrent_SkipsAll()
    {
        var png = Source("logo.png");

        var plan = await PlanAsync([png], [ObjectFor(png), VariantFor(png, target: VariantTarget.Avif), VariantFor(png)], BothFormats);

        Assert.Equal(3, plan.Count);
        Assert.All(plan, i => Assert.Equal(PlanAction.Skip, i.Action));
    }

    [Fact]
    public async Task Plan_AvifStaleWebPCurrent_RegeneratesOnlyTheAvif()
    {
        var jpg = Source("a.jpg");

        var plan = await PlanAsync([jpg], [ObjectFor(jpg), VariantFor(jpg, "old", target: VariantTarget.Avif), VariantFor(jpg)], BothFormats);

        var generated = Assert.Single(plan, i => i.Action == PlanAction.GenerateVariant);
        Assert.Equal("wp-content/uploads/a.jpg.avif", generated.Key);
        Assert.Contains("stale", generated.Reason);
    }

    [Fact]
    public async Task Plan_AvifTurnedOff_DeletesAvifVariantsAsOrphansAndKeepsWebP()
    {
        var jpg = Source("a.jpg");

        var plan = await PlanAsync([jpg], [ObjectFor(jpg), VariantFor(jpg, target: VariantTarget.Avif), VariantFor(jpg)], Options);

        var avif = Assert.Single(plan, i => i.Key.EndsWith(".avif", StringComparison.Ordinal));
        Assert.Equal(PlanAction.DeleteOrphan, avif.Action);
        Assert.Contains("(avif) is turned off", avif.Reason);
        Assert.Equal(PlanAction.Skip, Assert.Single(plan, i => i.Key.EndsWith(".webp", StringComparison.Ordinal)).Action);
    }

    [Fact]
    public async Task Plan_AvifOriginal_IsOffloadedAsAvifAndGetsOnlyAWebPVariant()
    {
        var avif = Source("2025/01/photo.avif");

        var plan = await PlanAsync([avif], [], BothFormats);

        Assert.Equal(
            [(PlanAction.Upload, "wp-content/uploads/2025/01/photo.avif"), (PlanAction.GenerateVariant, "wp-content/uploads/2025/01/photo.avif.webp")],
            plan.Select(i => (i.Action, i.Key)));
        Assert.Equal("image/avif", plan[0].Headers!.ContentType);
    }

    [Fact]
    public async Task Plan_FileNamedLikeAnAvifVariant_IsSkippedAndTheVariantStays()
    {
        var jpg = Source("a.jpg");
        var impostor = Source("a.jpg.avif");
        var variant = VariantFor(jpg, target: VariantTarget.Avif);

        var plan = await PlanAsync([jpg, impostor], [ObjectFor(jpg), variant, VariantFor(jpg)], BothFormats);

        var item = Assert.Single(plan, i => i.Key == "wp-content/uploads/a.jpg.avif" && i.Source == impostor);
        Assert.Equal(PlanAction.Skip, item.Action);
        Assert.Contains("reserved for a variant of 'a.jpg'", item.Reason);
        Assert.DoesNotContain(plan, i => i.Action is PlanAction.Upload or PlanAction.Replace or PlanAction.DeleteOrphan);
    }

    [Fact]
    public void Audit_AvifVariantHoldingWebP_IsInSync()
    {
        var jpg = Source("a.jpg");
        var avif = VariantFor(jpg, target: VariantTarget.Avif);
        var holdingWebP = avif with { Headers = avif.Headers! with { ContentType = "image/webp" } };

        Assert.Null(ObjectAudit.Check(holdingWebP, Options.Policy));
        Assert.Contains("Content-Type", ObjectAudit.Check(holdingWebP with { Headers = holdingWebP.Headers! with { ContentType = "image/png" } }, Options.Policy));
    }
}
