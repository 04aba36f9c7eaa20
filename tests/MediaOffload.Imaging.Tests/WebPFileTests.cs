using System.Buffers.Binary;
using System.Text;
using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging.Tests;

/// <summary>
/// The WebP files webpsave writes for us: the simple format (one VP8 chunk, as <c>cwebp -metadata none</c> writes)
/// when nothing needs VP8X, an alpha chunk only when some pixel is not opaque.
/// </summary>
public sealed class WebPFileTests
{
    private static readonly LibvipsVariantEncoder Lossy = new(new VariantOptions { PngMode = WebPMode.Lossy, GifMode = WebPMode.Lossy, Formats = "webp" });

    [Fact]
    public void Encode_Jpeg_WritesPlainVp8()
    {
        var jpeg = TestImages.Jpeg(203, 151);

        var ours = Lossy.Encode(jpeg, SourceImageKind.Jpeg).WebP.Bytes;

        Assert.Equal(["VP8 "], Chunks(ours).Select(c => c.FourCc));
        Assert.Equal(ours.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(ours.AsSpan(4)));
    }

    [Theory]
    [InlineData(4, true)] // RGBA
    [InlineData(2, true)] // grey + alpha
    [InlineData(1, false)] // grey
    public void Encode_LossyPng_KeepsAlphaOnlyWhenThereIsSome(int bands, bool alpha)
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

        var ours = Lossy.Encode(png, SourceImageKind.Png).WebP.Bytes;

        var decoded = TestImages.Decode(ours);
        Assert.Equal((97, 65), (decoded.Width, decoded.FrameHeight));
        Assert.Equal(alpha ? 4 : 3, decoded.Bands);
        Assert.Equal(alpha, Chunks(ours).Any(c => c.FourCc == "ALPH"));
    }

    [Fact]
    public void Encode_OpaqueRgbaPng_DropsAlpha()
    {
        using var image = TestImages.Pixels(48, 48, 4, (x, y, p) => { p[0] = (byte)x; p[1] = (byte)y; p[2] = 77; p[3] = 255; });
        var png = TestImages.Save(image, ".png");

        var ours = Lossy.Encode(png, SourceImageKind.Png).WebP.Bytes;

        Assert.DoesNotContain("ALPH", Chunks(ours).Select(c => c.FourCc));
    }

    [Fact]
    public void Encode_SingleFrameGifLossy_WritesPlainVp8()
    {
        using var image = TestImages.Pixels(40, 30, 3, TestImages.Gradient);
        var gif = TestImages.Save(image, ".gif");

        var ours = Lossy.Encode(gif, SourceImageKind.Gif).WebP.Bytes;

        Assert.Equal("VP8 ", Encoding.ASCII.GetString(ours, 12, 4));
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
