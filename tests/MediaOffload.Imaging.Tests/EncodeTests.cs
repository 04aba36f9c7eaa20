using MediaOffload.Core.Variants;
using NetVips;

namespace MediaOffload.Imaging.Tests;

public sealed class EncodeTests
{
    private static readonly LibvipsVariantEncoder Encoder = new(new VariantOptions());

    private static void AssertColour(byte[] pixel, int r, int g, int b, int tolerance = 40)
    {
        Assert.True(
            Math.Abs(pixel[0] - r) <= tolerance && Math.Abs(pixel[1] - g) <= tolerance && Math.Abs(pixel[2] - b) <= tolerance,
            $"expected ~({r},{g},{b}), got ({string.Join(",", pixel)})");
    }

    [Fact]
    public void Encode_Jpeg_ReturnsLossyWebPWithSameSize()
    {
        var jpeg = TestImages.Jpeg(120, 80);

        var result = Encoder.Encode(jpeg, SourceImageKind.Jpeg).WebP;

        Assert.Equal("lossy-q86", result.Rule);
        Assert.Equal((120, 80, 1), (result.Width, result.Height, result.Frames));
        var decoded = TestImages.Decode(result.Bytes);
        Assert.Equal((120, 80, 1, 3), (decoded.Width, decoded.FrameHeight, decoded.Frames, decoded.Bands));
    }

    [Fact]
    public void Encode_PngWithAlpha_KeepsAlphaChannel()
    {
        // Left half opaque red, right half fully transparent.
        using var image = TestImages.Pixels(64, 32, 4, (x, y, p) =>
        {
            p[0] = 255; p[1] = 0; p[2] = 0; p[3] = (byte)(x < 32 ? 255 : 0);
        });
        var png = TestImages.Save(image, ".png");

        var result = Encoder.Encode(png, SourceImageKind.Png);

        foreach (var variant in new[] { result.WebP, result.Avif! })
        {
            var decoded = TestImages.Decode(variant.Bytes);
            Assert.Equal((64, 32, 4), (decoded.Width, decoded.FrameHeight, decoded.Bands));
            Assert.True(decoded.Pixel(5, 5)[3] >= 250, $"{variant.Target}: alpha {decoded.Pixel(5, 5)[3]}");
            Assert.True(decoded.Pixel(60, 5)[3] <= 5, $"{variant.Target}: alpha {decoded.Pixel(60, 5)[3]}");
            AssertColour(decoded.Pixel(5, 5), 255, 0, 0);
        }
    }

    [Fact]
    public void Encode_AnimatedGif_KeepsEveryFrameAndDelay()
    {
        byte[][] colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
        using var pixels = TestImages.Pixels(40, 30 * colours.Length, 3, (x, y, p) => colours[y / 30].CopyTo(p));
        int[] delays = [100, 200, 300];
        using var strip = TestImages.Animated(pixels, 30, delays);
        var gif = TestImages.Save(strip, ".gif");

        var all = Encoder.Encode(gif, SourceImageKind.Gif);

        var result = all.WebP;
        Assert.Equal((40, 30, 3, "lossless"), (result.Width, result.Height, result.Frames, result.Rule));
        var decoded = TestImages.Decode(result.Bytes);
        Assert.Equal((40, 30, 3), (decoded.Width, decoded.FrameHeight, decoded.Frames));
        Assert.Equal(delays, decoded.Delays);
        for (var frame = 0; frame < colours.Length; frame++)
        {
            AssertColour(decoded.Pixel(20, (frame * 30) + 15), colours[frame][0], colours[frame][1], colours[frame][2], 5);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Encode_CmykJpeg_ReturnsThreeBandSrgb(bool withProfile)
    {
        var cmyk = TestImages.CmykJpeg(48, 32, withProfile);
        using (var loaded = TestImages.Load(cmyk))
        {
            Assert.Equal(Enums.Interpretation.Cmyk, loaded.Interpretation);
            Assert.Equal(4, loaded.Bands);
        }

        var result = Encoder.Encode(cmyk, SourceImageKind.Jpeg);

        foreach (var variant in new[] { result.WebP, result.Avif! })
        {
            var decoded = TestImages.Decode(variant.Bytes);
            Assert.Equal((48, 32, 3), (decoded.Width, decoded.FrameHeight, decoded.Bands));

            // The source was sRGB (220,30,30) before the round trip through CMYK.
            AssertColour(decoded.Pixel(24, 16), 220, 30, 30, 50);
        }
    }

    [Fact]
    public void Encode_SixteenBitPng_ReturnsEightBitWebP()
    {
        using var image = TestImages.Pixels(50, 40, 3, (x, y, p) => { p[0] = 200; p[1] = 100; p[2] = 50; }, sixteenBit: true);
        var png = TestImages.Save(image, ".png[bitdepth=16]");
        Assert.Equal(16, png[24]); // IHDR bit depth

        var result = Encoder.Encode(png, SourceImageKind.Png);

        foreach (var variant in new[] { result.WebP, result.Avif! })
        {
            var decoded = TestImages.Decode(variant.Bytes);
            Assert.Equal((50, 40, 3), (decoded.Width, decoded.FrameHeight, decoded.Bands));
            AssertColour(decoded.Pixel(10, 10), 200, 100, 50, 8);
        }
    }

    [Fact]
    public void Encode_ExifOrientation6_RotatesPixels()
    {
        // Stored 64x32 landscape with a red block in the stored top-left corner. Orientation 6 means
        // "rotate 90° clockwise to display", which puts that corner at the displayed top-right.
        var jpeg = TestImages.Jpeg(64, 32, orientation: 6, writer: (x, y, p) =>
        {
            var red = x < 12 && y < 12;
            p[0] = red ? (byte)255 : (byte)128;
            p[1] = red ? (byte)0 : (byte)128;
            p[2] = red ? (byte)0 : (byte)128;
        });

        var result = Encoder.Encode(jpeg, SourceImageKind.Jpeg);

        foreach (var variant in new[] { result.WebP, result.Avif! })
        {
            Assert.Equal((32, 64), (variant.Width, variant.Height));
            var decoded = TestImages.Decode(variant.Bytes);
            Assert.Equal((32, 64), (decoded.Width, decoded.FrameHeight));
            AssertColour(decoded.Pixel(32 - 5, 5), 255, 0, 0);
            AssertColour(decoded.Pixel(5, 5), 128, 128, 128);
            AssertColour(decoded.Pixel(5, 64 - 5), 128, 128, 128);
        }
    }

    [Fact]
    public void Encode_PalettePng_ReturnsRgbWebP()
    {
        using var image = TestImages.Pixels(60, 60, 3, (x, y, p) =>
        {
            var blue = (x / 10 + y / 10) % 2 == 0;
            p[0] = blue ? (byte)0 : (byte)250;
            p[1] = blue ? (byte)0 : (byte)200;
            p[2] = blue ? (byte)255 : (byte)0;
        });
        var png = TestImages.Save(image, ".png[palette]");
        Assert.Equal(3, png[25]); // IHDR colour type 3 = indexed

        var result = Encoder.Encode(png, SourceImageKind.Png);

        Assert.Equal("auto:lossless", result.WebP.Rule);
        var decoded = TestImages.Decode(result.WebP.Bytes);
        Assert.Equal((60, 60), (decoded.Width, decoded.FrameHeight));
        AssertColour(decoded.Pixel(5, 5), 0, 0, 255, 0);
        AssertColour(decoded.Pixel(15, 5), 250, 200, 0, 0);

        // AVIF is lossy: the colours come back close, not exact.
        var avif = TestImages.Decode(result.Avif!.Bytes);
        Assert.Equal((60, 60, 3), (avif.Width, avif.FrameHeight, avif.Bands));
        AssertColour(avif.Pixel(5, 5), 0, 0, 255, 30);
        AssertColour(avif.Pixel(15, 5), 250, 200, 0, 30);
    }

    [Fact]
    public void Encode_DefaultOptions_StripsExifButStripMetadataFalseKeepsIt()
    {
        using var pixels = TestImages.Pixels(40, 40, 3, TestImages.Gradient);
        using var image = TestImages.With(pixels, "exif-ifd0-Make", "SecretCam");
        var jpeg = TestImages.Save(image, ".jpg");
        Assert.True(Contains(jpeg, "SecretCam"u8));
        var keeping = new LibvipsVariantEncoder(new VariantOptions { StripMetadata = false });

        var kept = keeping.Encode(jpeg, SourceImageKind.Jpeg);
        var stripped = Encoder.Encode(jpeg, SourceImageKind.Jpeg);

        Assert.True(Contains(kept.WebP.Bytes, "SecretCam"u8));
        Assert.True(Contains(kept.Avif!.Bytes, "SecretCam"u8));
        foreach (var variant in new[] { stripped.WebP, stripped.Avif! })
        {
            Assert.False(Contains(variant.Bytes, "SecretCam"u8), variant.Target.ToString());
            Assert.False(Contains(variant.Bytes, "Exif"u8), variant.Target.ToString());
            Assert.Equal((40, 40), (TestImages.Decode(variant.Bytes).Width, TestImages.Decode(variant.Bytes).FrameHeight));
        }
    }

    [Theory]
    [InlineData(0, 640, 480)]
    [InlineData(6, 480, 640)]
    public void Encode_PhotoJpeg_AvifDecodesAtSourceSizeAndIsSmallerThanWebP(int orientation, int width, int height)
    {
        var jpeg = TestImages.PhotoJpeg(640, 480, orientation);

        var result = Encoder.Encode(jpeg, SourceImageKind.Jpeg);

        Assert.Null(result.AvifSkipped);
        var avif = result.Avif!;
        Assert.Equal((VariantTarget.Avif, "avif-q" + new VariantOptions().AvifQuality), (avif.Target, avif.Rule));
        Assert.Equal((width, height, 1), (avif.Width, avif.Height, avif.Frames));
        Assert.True(avif.Bytes.AsSpan(4).StartsWith("ftypavif"u8), "not an AVIF file");
        var decoded = TestImages.Decode(avif.Bytes);
        Assert.Equal((width, height, 3), (decoded.Width, decoded.FrameHeight, decoded.Bands));
        Assert.True(avif.Bytes.Length < result.WebP.Bytes.Length, $"AVIF {avif.Bytes.Length} B vs WebP {result.WebP.Bytes.Length} B");
    }

    [Fact]
    public void Encode_AnimatedGif_MakesNoAvifAndSaysWhy()
    {
        using var pixels = TestImages.Pixels(40, 90, 3, (x, y, p) => { p[0] = (byte)(y * 2); p[1] = 90; p[2] = 30; });
        using var strip = TestImages.Animated(pixels, 30);
        var gif = TestImages.Save(strip, ".gif");

        var result = Encoder.Encode(gif, SourceImageKind.Gif);

        Assert.Null(result.Avif);
        Assert.Contains("animated (3 frames)", result.AvifSkipped, StringComparison.Ordinal);
        Assert.Equal(3, result.WebP.Frames);
    }

    [Fact]
    public void Encode_OverAvifMaxPixels_MakesWebPOnly()
    {
        var encoder = new LibvipsVariantEncoder(new VariantOptions { AvifMaxPixels = 100 * 100 });

        var result = encoder.Encode(TestImages.Jpeg(120, 90), SourceImageKind.Jpeg);

        Assert.Null(result.Avif);
        Assert.Contains("120x90 is over AvifMaxPixels (10000)", result.AvifSkipped, StringComparison.Ordinal);
        Assert.Equal((120, 90), (result.WebP.Width, result.WebP.Height));
    }

    [Fact]
    public void Encode_FormatsWebP_MakesNoAvif()
    {
        var encoder = new LibvipsVariantEncoder(new VariantOptions { Formats = "webp" });

        var result = encoder.Encode(TestImages.Jpeg(64, 48), SourceImageKind.Jpeg);

        Assert.Null(result.Avif);
        Assert.NotNull(result.AvifSkipped);
        Assert.Same(encoder, encoder.WithoutAvif());
    }

    [Fact]
    public void WithoutAvif_DefaultOptions_EncodesWebPOnlyWithTheSameBytes()
    {
        var jpeg = TestImages.PhotoJpeg(200, 150);

        var both = Encoder.Encode(jpeg, SourceImageKind.Jpeg);
        var webpOnly = Encoder.WithoutAvif().Encode(jpeg, SourceImageKind.Jpeg);

        Assert.NotNull(both.Avif);
        Assert.Null(webpOnly.Avif);
        Assert.Equal(both.WebP.Bytes, webpOnly.WebP.Bytes);
    }

    [Fact]
    public void Encode_AvifOriginal_MakesWebPOnlyFromTheHeifLoader()
    {
        var avifOriginal = Encoder.Encode(TestImages.PhotoJpeg(160, 120), SourceImageKind.Jpeg).Avif!.Bytes;

        var result = Encoder.Encode(avifOriginal, SourceImageKind.Avif);

        Assert.Null(result.Avif);
        Assert.Equal("the source is AVIF", result.AvifSkipped);
        Assert.Equal("lossy-q86", result.WebP.Rule);
        var decoded = TestImages.Decode(result.WebP.Bytes);
        Assert.Equal((160, 120), (decoded.Width, decoded.FrameHeight));
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
