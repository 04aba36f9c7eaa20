using System.IO.Compression;
using System.Runtime.InteropServices;
using MediaOffload.Imaging;
using NetVips;

namespace MediaOffload.Imaging.Tests;

/// <summary>Builds test inputs with libvips itself (NetVips, no binary fixtures) and decodes variants back.</summary>
internal static class TestImages
{
    internal delegate void PixelWriter(int x, int y, Span<byte> pixel);

    static TestImages()
    {
        LibvipsRuntime.EnsureInitialized();
    }

    /// <summary>
    /// A photo-like RGB image: smooth noise at several scales, the content AVIF is made for (flat synthetic patterns
    /// are not representative of uploads).
    /// </summary>
    internal static byte[] PhotoJpeg(int width, int height, int orientation = 0)
    {
        using var coarse = Image.Gaussnoise(width, height, sigma: 60, mean: 128, seed: 1).Bandjoin(
            Image.Gaussnoise(width, height, sigma: 60, mean: 110, seed: 2), Image.Gaussnoise(width, height, sigma: 60, mean: 90, seed: 3));
        using var blurred = coarse.Gaussblur(6);
        using var fine = Image.Gaussnoise(width, height, sigma: 6, mean: 0, seed: 4);
        using var sum = blurred.Add(fine);
        using var rgb = sum.Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        if (orientation <= 0)
        {
            return Save(rgb, ".jpg[Q=90]");
        }

        using var oriented = With(rgb, "orientation", orientation);
        return Save(oriented, ".jpg[Q=90]");
    }

    /// <summary>An 8- or 16-bit image from a per-pixel function (values are 0-255, scaled for 16-bit).</summary>
    internal static Image Pixels(int width, int height, int bands, PixelWriter write, bool sixteenBit = false)
    {
        var bytesPerSample = sixteenBit ? 2 : 1;
        var data = new byte[width * height * bands * bytesPerSample];
        var pixel = new byte[bands];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                write(x, y, pixel);
                for (var b = 0; b < bands; b++)
                {
                    var index = ((y * width) + x) * bands + b;
                    if (sixteenBit)
                    {
                        // Distinct low byte so the file really needs 16 bits.
                        MemoryMarshal.Cast<byte, ushort>(data.AsSpan())[index] = (ushort)((pixel[b] << 8) | (x & 0xFF));
                    }
                    else
                    {
                        data[index] = pixel[b];
                    }
                }
            }
        }

        return Image.NewFromMemoryCopy<byte>(data, width, height, bands, sixteenBit ? Enums.BandFormat.Ushort : Enums.BandFormat.Uchar);
    }

    /// <summary>Saves with a libvips suffix and options, e.g. <c>.png[palette]</c>.</summary>
    internal static byte[] Save(Image image, string suffix) => image.WriteToBuffer(suffix);

    /// <summary>A copy of <paramref name="strip"/> marked as frames of <paramref name="pageHeight"/> rows, with optional delays in ms.</summary>
    internal static Image Animated(Image strip, int pageHeight, int[]? delays = null) => strip.Mutate(m =>
    {
        m.Set(GValue.GIntType, "page-height", pageHeight);
        if (delays is not null)
        {
            m.Set(GValue.ArrayIntType, "delay", delays);
        }
    });

    /// <summary>A copy of <paramref name="image"/> with an integer or string metadata field set (e.g. <c>orientation</c>).</summary>
    internal static Image With(Image image, string field, object value) =>
        image.Mutate(m => m.Set(value is int ? GValue.GIntType : GValue.GStrType, field, value));

    /// <summary>A busy photo-like RGB pattern so JPEGs are not trivially small.</summary>
    internal static void Gradient(int x, int y, Span<byte> p)
    {
        p[0] = (byte)(x * 3);
        p[1] = (byte)(y * 5);
        p[2] = (byte)((x ^ y) * 7);
    }

    internal static byte[] Jpeg(int width, int height, int orientation = 0, PixelWriter? writer = null)
    {
        using var pixels = Pixels(width, height, 3, writer ?? Gradient);
        if (orientation <= 0)
        {
            return Save(pixels, ".jpg[Q=92]");
        }

        using var oriented = With(pixels, "orientation", orientation);
        return Save(oriented, ".jpg[Q=92]");
    }

    /// <summary>A CMYK JPEG; libvips' colourspace attaches its CMYK profile, which <paramref name="keepProfile"/> keeps.</summary>
    internal static byte[] CmykJpeg(int width, int height, bool keepProfile)
    {
        var rgbJpeg = Jpeg(width, height, writer: (x, y, p) => { p[0] = 220; p[1] = 30; p[2] = 30; });
        using var loaded = Load(rgbJpeg);
        using var cmyk = loaded.Colourspace(Enums.Interpretation.Cmyk);
        return Save(cmyk, keepProfile ? ".jpg[Q=92]" : ".jpg[Q=92,keep=none]");
    }

    /// <summary>
    /// A PNG header claiming <paramref name="width"/> x <paramref name="height"/> 1-bit grey with valid, all-zero
    /// image data: about 100 KiB on disk however big the claimed size.
    /// </summary>
    internal static byte[] PngBomb(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 1; // bit depth
        ihdr[9] = 0; // greyscale
        WriteChunk(output, "IHDR", ihdr);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + ((width + 7) / 8)];
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        WriteChunk(output, "IDAT", compressed.ToArray());
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typeBytes, data));
        output.Write(length);
    }

    private static uint Crc32(byte[] type, byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var part in new[] { type, data })
        {
            foreach (var b in part)
            {
                crc ^= b;
                for (var k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
                }
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>
    /// Loads an encoded file with its own loader (the sniffing buffer loaders are blocked). Pixels are read into memory
    /// at once, so the image does not depend on <paramref name="file"/> once this returns.
    /// </summary>
    internal static Image Load(byte[] file, int frames = 1)
    {
        using var source = Source.NewFromMemory(file);
        using var image = file.AsSpan(8).StartsWith("WEBP"u8) ? Image.WebploadSource(source, n: frames)
            : file.AsSpan(4).StartsWith("ftyp"u8) ? Image.HeifloadSource(source, n: frames)
            : file.AsSpan().StartsWith("GIF"u8) ? Image.GifloadSource(source, n: frames)
            : file.Length > 1 && file[0] == 0x89 && file[1] == (byte)'P'
                ? Image.PngloadSource(source)
                : Image.JpegloadSource(source);
        return image.CopyMemory();
    }

    /// <summary>What a variant decodes to.</summary>
    internal sealed record Decoded(
        int Width, int FrameHeight, int Bands, int Frames, int[] Delays, Func<int, int, byte[]> Pixel);

    /// <summary>Decodes every frame of a WebP or AVIF variant and reads pixels from the frame strip.</summary>
    internal static Decoded Decode(byte[] variant)
    {
        var webp = variant.AsSpan().StartsWith("RIFF"u8) && variant.AsSpan(8).StartsWith("WEBP"u8);
        Assert.True(webp || variant.AsSpan(4).StartsWith("ftypavif"u8), "neither a WebP nor an AVIF file");
        using var image = Load(variant, frames: webp ? -1 : 1);
        var width = image.Width;
        var height = image.Height;
        var pageHeight = image.PageHeight;
        var delays = image.Contains("delay") ? (int[])image.Get("delay") : [];

        // Copy the pixels out now: the image is gone once we return.
        Assert.Equal(Enums.BandFormat.Uchar, image.Format);
        var bands = image.Bands;
        var pixels = image.WriteToMemory<byte>();
        var frames = pageHeight > 0 ? height / pageHeight : 1;
        if (image.Contains("n-pages"))
        {
            Assert.Equal((int)image.Get("n-pages"), frames);
        }

        return new Decoded(width, pageHeight, bands, frames, delays, (x, y) =>
        {
            var offset = ((y * width) + x) * bands;
            return pixels.AsSpan(offset, bands).ToArray();
        });
    }
}
