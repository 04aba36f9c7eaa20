using System.Buffers.Binary;
using System.Text;
using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging.Tests;

/// <summary>
/// Still lossy images are encoded with libwebp directly instead of libvips' webpsave. The image data must be
/// exactly what webpsave would have written with the same settings; only the container may differ.
/// </summary>
public sealed class DirectLossyTests
{
    private static readonly LibvipsVariantEncoder Lossy = new(new VariantOptions { PngMode = WebPMode.Lossy, GifMode = WebPMode.Lossy });

    [Fact]
    public void Encode_Jpeg_WritesPlainVp8SameAsWebpsave()
    {
        var jpeg = TestImages.Jpeg(203, 151);

        var ours = Lossy.Encode(jpeg, SourceImageKind.Jpeg).WebP;

        // Simple format: RIFF size WEBP "VP8 " and nothing else, as cwebp -metadata none writes.
        Assert.Equal("VP8 ", Encoding.ASCII.GetString(ours, 12, 4));
        Assert.Equal(["VP8 "], Chunks(ours).Select(c => c.FourCc));
        Assert.Equal(ours.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(ours.AsSpan(4)));
        AssertSameImageData(WebpsaveOf(jpeg), ours);
    }

    [Theory]
    [InlineData(4)] // RGBA
    [InlineData(2)] // grey + alpha
    [InlineData(1)] // grey
    public void Encode_LossyPng_SameImageDataAsWebpsave(int bands)
    {
        using var image = TestImages.Pixels(97, 65, bands, (x, y, p) =>
        {
            p[0] = (byte)(x * 3 + y);
            if (bands >= 3)
            {
                p[1] = (byte)(y * 5);
                p[2] = (byte)((x ^ y) * 7);
            }

            if (bands is 2 or 4)
            {
                p[bands - 1] = (byte)(x < 40 ? 255 : x * 2);
            }
        });
        var png = TestImages.Save(image, ".png");

        var ours = Lossy.Encode(png, SourceImageKind.Png).WebP;

        var decoded = TestImages.Decode(ours);
        Assert.Equal((97, 65), (decoded.Width, decoded.FrameHeight));
        Assert.Equal(bands is 2 or 4 ? 4 : 3, decoded.Bands);
        AssertSameImageData(WebpsaveOf(png), ours);
    }

    [Fact]
    public void Encode_OpaqueRgbaPng_DropsAlphaLikeWebpsave()
    {
        using var image = TestImages.Pixels(48, 48, 4, (x, y, p) => { p[0] = (byte)x; p[1] = (byte)y; p[2] = 77; p[3] = 255; });
        var png = TestImages.Save(image, ".png");

        var ours = Lossy.Encode(png, SourceImageKind.Png).WebP;

        Assert.DoesNotContain("ALPH", Chunks(ours).Select(c => c.FourCc));
        AssertSameImageData(WebpsaveOf(png), ours);
    }

    [Fact]
    public void Encode_SingleFrameGifLossy_UsesDirectEncoder()
    {
        using var image = TestImages.Pixels(40, 30, 3, TestImages.Gradient);
        var gif = TestImages.Save(image, ".gif");

        var ours = Lossy.Encode(gif, SourceImageKind.Gif).WebP;

        Assert.Equal("VP8 ", Encoding.ASCII.GetString(ours, 12, 4));
    }

    /// <summary>What libvips' webpsave writes for the same source and settings, metadata stripped.</summary>
    private static unsafe byte[] WebpsaveOf(byte[] source)
    {
        using var image = TestImages.Load(source, out var pin);
        using (pin)
        {
            return WebPContainer.StripMetadata(TestImages.Save(image, ".webp[Q=86,effort=4,strip]"));
        }
    }

    private static void AssertSameImageData(byte[] expected, byte[] actual)
    {
        static IEnumerable<(string FourCc, string Payload)> Data(byte[] webp) =>
            Chunks(webp).Where(c => c.FourCc != "VP8X").Select(c => (c.FourCc, Convert.ToHexString(c.Payload)));

        Assert.Equal(Data(expected), Data(actual));
    }

    private static List<(string FourCc, byte[] Payload)> Chunks(byte[] webp)
    {
        Assert.True(webp.AsSpan().StartsWith("RIFF"u8) && webp.AsSpan(8).StartsWith("WEBP"u8), "not a WebP file");
        var chunks = new List<(string, byte[])>();
        for (var offset = 12; offset + 8 <= webp.Length;)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(offset + 4));
            chunks.Add((Encoding.ASCII.GetString(webp, offset, 4), webp.AsSpan(offset + 8, size).ToArray()));
            offset += 8 + size + (size & 1);
        }

        return chunks;
    }
}
