using System.Diagnostics;
using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging.Tests;

/// <summary>Admission estimates from the header, with real libvips: no pixel is decoded to make them.</summary>
public sealed class EstimateTests
{
    private static readonly LibvipsVariantEncoder Encoder = new(new VariantOptions());

    [Fact]
    public void Estimate_HundredMegapixelPngBomb_ReadsOnlyTheHeader()
    {
        var bomb = TestImages.PngBomb(10_000, 10_000);
        var clock = Stopwatch.StartNew();

        var estimate = Encoder.Estimate(bomb, SourceImageKind.Png);

        Assert.Equal(10_000, estimate.Width);
        Assert.Equal(10_000, estimate.Height);
        // Lossless (the Auto default) at 36 bytes per pixel, WebP only (100 MP is over AvifMaxPixels): far more than
        // the file's 100 KiB.
        Assert.InRange(estimate.PeakBytes, 3_600_000_000L, 3_700_000_000L);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}: it decoded pixels");
    }

    [Fact]
    public async Task EncodeAndDecideAsync_ImageOverTheWholeBudget_IsRejectedWithoutBeingAttempted()
    {
        var bomb = TestImages.PngBomb(10_000, 10_000);
        var clock = Stopwatch.StartNew();

        var outcome = await VariantDecision.EncodeAndDecideAsync(Encoder, new MemoryBudget(1L << 30), bomb, "image/png", SourceImageKind.Png, CancellationToken.None);

        Assert.Equal(ImageRejectionCode.OverMemoryBudget, outcome.Rejection!.Code);
        Assert.Contains("the memory budget is 1024 MiB", outcome.Rejection.Reason, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}: it was attempted");
    }

    [Fact]
    public void Estimate_PixelBombOverTheLimit_IsRejectedLikeAnEncode()
    {
        var encoder = new LibvipsVariantEncoder(new VariantOptions { MaxPixels = 1_000_000 });

        var ex = Assert.Throws<ImageRejectedException>(() => encoder.Estimate(TestImages.PngBomb(2000, 2000), SourceImageKind.Png));

        Assert.Equal(ImageRejectionCode.PixelLimitExceeded, ex.Code);
    }

    [Fact]
    public void Estimate_RotatedJpeg_CostsMoreThanTheSameImageUpright()
    {
        var upright = Encoder.Estimate(TestImages.Jpeg(800, 600), SourceImageKind.Jpeg);
        var rotated = Encoder.Estimate(TestImages.Jpeg(800, 600, orientation: 6), SourceImageKind.Jpeg);

        Assert.True(rotated.PeakBytes > upright.PeakBytes);
    }

    [Fact]
    public void Estimate_LossyPngWithAlpha_CostsMoreThanWithout()
    {
        var lossy = new LibvipsVariantEncoder(new VariantOptions { PngMode = WebPMode.Lossy, Formats = "webp" });
        var rgb = TestImages.Save(TestImages.Pixels(500, 500, 3, TestImages.Gradient), ".png");
        var rgba = TestImages.Save(TestImages.Pixels(500, 500, 4, TestImages.Gradient), ".png");

        Assert.True(lossy.Estimate(rgba, SourceImageKind.Png).PeakBytes > 3 * lossy.Estimate(rgb, SourceImageKind.Png).PeakBytes / 2);
    }

    [Fact]
    public void Estimate_PhotoWithAvif_CostsMoreThanWebPAlone()
    {
        var jpeg = TestImages.Jpeg(1000, 800);
        var webpOnly = new LibvipsVariantEncoder(new VariantOptions { Formats = "webp" }).Estimate(jpeg, SourceImageKind.Jpeg);
        var both = Encoder.Estimate(jpeg, SourceImageKind.Jpeg);
        var overAvifLimit = new LibvipsVariantEncoder(new VariantOptions { AvifMaxPixels = 1000 * 799 }).Estimate(jpeg, SourceImageKind.Jpeg);

        Assert.True(both.PeakBytes > webpOnly.PeakBytes, $"{both.PeakBytes} vs {webpOnly.PeakBytes}");
        Assert.Equal(webpOnly.PeakBytes, overAvifLimit.PeakBytes);
    }

    [Fact]
    public void Estimate_GarbageNamedPng_IsRejectedAsFormatMismatch()
    {
        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Estimate("not an image at all"u8.ToArray(), SourceImageKind.Png));

        Assert.Equal(ImageRejectionCode.FormatMismatch, ex.Code);
    }
}
