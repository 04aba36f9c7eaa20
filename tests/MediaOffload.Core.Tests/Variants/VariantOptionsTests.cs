using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Tests.Variants;

public sealed class VariantOptionsTests
{
    [Fact]
    public void Constructor_NoSettings_HasDocumentedDefaults()
    {
        var options = new VariantOptions();

        Assert.Equal(86, options.Quality);
        Assert.Equal(4, options.Effort);
        Assert.Equal(WebPMode.Auto, options.PngMode);
        Assert.Equal(WebPMode.Lossless, options.GifMode);
        Assert.Equal(50, options.AutoLossyMinSavingsPercent);
        Assert.True(options.StripMetadata);
        Assert.Equal(100_000_000, options.MaxPixels);
        Assert.Equal(64L * 1024 * 1024, options.MaxInputBytes);
        Assert.Equal("Offload:Variants", VariantOptions.SectionName);
        options.Validate();
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(101, 4)]
    [InlineData(80, -1)]
    [InlineData(80, 7)]
    public void Validate_OutOfRange_Throws(int quality, int effort)
    {
        var options = new VariantOptions { Quality = quality, Effort = effort };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Fact]
    public void Validate_UndefinedMode_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(new VariantOptions { PngMode = (WebPMode)9 }.Validate);
    }

    [Theory]
    [InlineData(SourceImageKind.Jpeg, WebPMode.Lossy)]
    [InlineData(SourceImageKind.Png, WebPMode.Auto)]
    [InlineData(SourceImageKind.Gif, WebPMode.Lossless)]
    public void ModeFor_DefaultOptions_JpegAlwaysLossy(SourceImageKind kind, WebPMode expected)
    {
        Assert.Equal(expected, WebPEncodingRule.ModeFor(kind, new VariantOptions()));
    }

    [Theory]
    [InlineData(1000, 500, true)]
    [InlineData(1000, 501, false)]
    [InlineData(1000, 100, true)]
    [InlineData(1000, 1200, false)]
    [InlineData(0, 0, true)]
    public void PreferLossy_FiftyPercentThreshold_ExactAtBoundary(long lossless, long lossy, bool expected)
    {
        Assert.Equal(expected, WebPEncodingRule.PreferLossy(lossless, lossy, new VariantOptions()));
    }

    [Fact]
    public void SettingName_LosslessOrLossyWithQuality_DescribesModeAndQuality()
    {
        Assert.Equal("lossless", WebPEncodingRule.Lossless(new VariantOptions()).Name);
        Assert.Equal("lossy-q75", WebPEncodingRule.Lossy(new VariantOptions { Quality = 75 }).Name);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, SourceImageKind.Jpeg)]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0 }, SourceImageKind.Png)]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61 }, SourceImageKind.Gif)]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x37, 0x61 }, SourceImageKind.Gif)]
    public void Sniff_Signature_ReturnsKind(byte[] data, SourceImageKind expected)
    {
        Assert.Equal(expected, SourceImageKinds.Sniff(data));
        Assert.True(SourceImageKinds.HasSignatureOf(data, expected));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xFF, 0xD8 })]
    [InlineData(new byte[] { (byte)'h', (byte)'i' })]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x38, 0x61 })]
    public void Sniff_NoSignature_ReturnsNull(byte[] data)
    {
        Assert.Null(SourceImageKinds.Sniff(data));
    }
}
