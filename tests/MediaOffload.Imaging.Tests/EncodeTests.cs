using MediaOffload.Core.Variants;

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

        var result = Encoder.Encode(jpeg, SourceImageKind.Jpeg);

        Assert.Equal("lossy-q86", result.Rule);
        Assert.Equal((120, 80, 1), (result.Width, result.Height, result.Frames));
        var decoded = TestImages.Decode(result.WebP);
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

        var decoded = TestImages.Decode(result.WebP);
        Assert.Equal(4, decoded.Bands);
        Assert.Equal(255, decoded.Pixel(5, 5)[3]);
        Assert.Equal(0, decoded.Pixel(60, 5)[3]);
        AssertColour(decoded.Pixel(5, 5), 255, 0, 0);
    }

    [Fact]
    public void Encode_AnimatedGif_KeepsEveryFrameAndDelay()
    {
        byte[][] colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
        using var strip = TestImages.Pixels(40, 30 * colours.Length, 3, (x, y, p) => colours[y / 30].CopyTo(p));
        Vips.ImageSetInt(strip, "page-height", 30);
        int[] delays = [100, 200, 300];
        unsafe
        {
            fixed (int* d = delays)
            {
                Vips.ImageSetArrayInt(strip, "delay", d, delays.Length);
            }
        }

        var gif = TestImages.Save(strip, ".gif");

        var result = Encoder.Encode(gif, SourceImageKind.Gif);

        Assert.Equal((40, 30, 3, "lossless"), (result.Width, result.Height, result.Frames, result.Rule));
        var decoded = TestImages.Decode(result.WebP);
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
        using (var loaded = TestImages.Load(cmyk, out var pin))
        using (pin)
        {
            Assert.Equal(Vips.InterpretationCmyk, Vips.ImageGetInterpretation(loaded));
            Assert.Equal(4, Vips.ImageGetBands(loaded));
        }

        var result = Encoder.Encode(cmyk, SourceImageKind.Jpeg);

        var decoded = TestImages.Decode(result.WebP);
        Assert.Equal(3, decoded.Bands);

        // The source was sRGB (220,30,30) before the round trip through CMYK.
        AssertColour(decoded.Pixel(24, 16), 220, 30, 30, 50);
    }

    [Fact]
    public void Encode_SixteenBitPng_ReturnsEightBitWebP()
    {
        using var image = TestImages.Pixels(50, 40, 3, (x, y, p) => { p[0] = 200; p[1] = 100; p[2] = 50; }, sixteenBit: true);
        var png = TestImages.Save(image, ".png[bitdepth=16]");
        Assert.Equal(16, png[24]); // IHDR bit depth

        var result = Encoder.Encode(png, SourceImageKind.Png);

        var decoded = TestImages.Decode(result.WebP);
        Assert.Equal((50, 40, 3), (decoded.Width, decoded.FrameHeight, decoded.Bands));
        AssertColour(decoded.Pixel(10, 10), 200, 100, 50, 8);
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

        Assert.Equal((32, 64), (result.Width, result.Height));
        var decoded = TestImages.Decode(result.WebP);
        Assert.Equal((32, 64), (decoded.Width, decoded.FrameHeight));
        AssertColour(decoded.Pixel(32 - 5, 5), 255, 0, 0);
        AssertColour(decoded.Pixel(5, 5), 128, 128, 128);
        AssertColour(decoded.Pixel(5, 64 - 5), 128, 128, 128);
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

        Assert.Equal("auto:lossless", result.Rule);
        var decoded = TestImages.Decode(result.WebP);
        Assert.Equal((60, 60), (decoded.Width, decoded.FrameHeight));
        AssertColour(decoded.Pixel(5, 5), 0, 0, 255, 0);
        AssertColour(decoded.Pixel(15, 5), 250, 200, 0, 0);
    }

    [Fact]
    public void Encode_DefaultOptions_StripsExifButStripMetadataFalseKeepsIt()
    {
        using var image = TestImages.Pixels(40, 40, 3, TestImages.Gradient);
        Vips.ImageSetString(image, "exif-ifd0-Make", "SecretCam");
        var jpeg = TestImages.Save(image, ".jpg");
        Assert.True(Contains(jpeg, "SecretCam"u8));
        var keeping = new LibvipsVariantEncoder(new VariantOptions { StripMetadata = false });

        var kept = keeping.Encode(jpeg, SourceImageKind.Jpeg).WebP;
        var stripped = Encoder.Encode(jpeg, SourceImageKind.Jpeg).WebP;

        Assert.True(Contains(kept, "SecretCam"u8));
        Assert.False(Contains(stripped, "SecretCam"u8));
        Assert.False(Contains(stripped, "EXIF"u8));
        Assert.Equal((40, 40), (TestImages.Decode(stripped).Width, TestImages.Decode(stripped).FrameHeight));
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
