using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging.Tests;

public sealed class FallbackTests
{
    private static readonly LibvipsVariantEncoder Encoder = new(new VariantOptions());

    /// <summary>
    /// Lossless WebP beat PNG on every PNG we tried (see docs/imaging.md), so the PNG case uses the lossy
    /// rule: 1-bit noise is tiny as PNG and large as lossy WebP.
    /// </summary>
    [Fact]
    public void EncodeAndDecide_NoisePngWhereLossyWebPIsLarger_WritesOriginalBytesAndType()
    {
        var random = new Random(42);
        using var image = TestImages.Pixels(64, 64, 1, (x, y, p) => p[0] = random.Next(2) == 0 ? (byte)0 : (byte)255);
        var png = TestImages.Save(image, ".png[bitdepth=1]");
        var encoder = new LibvipsVariantEncoder(new VariantOptions { PngMode = WebPMode.Lossy });
        var webp = encoder.Encode(png, SourceImageKind.Png).WebP.Bytes;
        Assert.True(webp.Length >= png.Length, $"WebP {webp.Length} B vs PNG {png.Length} B: pick another input");

        var outcome = VariantDecision.EncodeAndDecide(encoder, png, "image/png", SourceImageKind.Png);

        Assert.Equal(VariantFormat.Original, outcome.Format);
        Assert.Equal("image/png", outcome.ContentType);
        Assert.Equal(png, outcome.Body.ToArray());
        Assert.Equal("original", outcome.Metadata[VariantDecision.FormatKey]);
        Assert.Equal("lossy-q86", outcome.Metadata[VariantDecision.RuleKey]);
    }

    [Fact]
    public void EncodeAndDecide_LowQualityJpegWhereWebPIsLarger_WritesOriginalBytesAndType()
    {
        var random = new Random(7);
        using var image = TestImages.Pixels(96, 96, 3, (x, y, p) => random.NextBytes(p));
        var jpeg = TestImages.Save(image, ".jpg[Q=10,strip]");

        var outcome = VariantDecision.EncodeAndDecide(Encoder, jpeg, "image/jpeg", SourceImageKind.Jpeg);

        Assert.Equal(VariantFormat.Original, outcome.Format);
        Assert.Equal("image/jpeg", outcome.ContentType);
        Assert.Equal(jpeg, outcome.Body.ToArray());
    }

    [Fact]
    public void EncodeAndDecide_Photo_WritesWebP()
    {
        var jpeg = TestImages.Jpeg(200, 150);

        var outcome = VariantDecision.EncodeAndDecide(Encoder, jpeg, "image/jpeg", SourceImageKind.Jpeg);

        Assert.Equal(VariantFormat.WebP, outcome.Format);
        Assert.Equal("image/webp", outcome.ContentType);
        Assert.Equal("webp", outcome.Metadata[VariantDecision.FormatKey]);
        Assert.Equal("lossy-q86", outcome.Metadata[VariantDecision.RuleKey]);
        Assert.True(outcome.Body.Length < jpeg.Length);
    }

    [Fact]
    public void EncodeAndDecide_TruncatedJpeg_WritesNothingAndRecordsReason()
    {
        var jpeg = TestImages.Jpeg(128, 128);

        var outcome = VariantDecision.EncodeAndDecide(Encoder, jpeg.AsMemory(0, jpeg.Length / 2), "image/jpeg", SourceImageKind.Jpeg);

        Assert.False(outcome.ShouldWrite);
        Assert.Equal("corrupt", outcome.Metadata[VariantDecision.RejectionKey]);
        Assert.NotNull(outcome.Rejection);
    }
}
