using System.IO.Compression;
using System.Runtime.InteropServices;
using MediaOffload.Imaging;

namespace MediaOffload.Imaging.Tests;

/// <summary>Builds test inputs with libvips itself (no binary fixtures) and decodes variants back.</summary>
internal static unsafe class TestImages
{
    internal delegate void PixelWriter(int x, int y, Span<byte> pixel);

    static TestImages() => LibvipsRuntime.EnsureInitialized();

    /// <summary>An 8- or 16-bit image from a per-pixel function (values are 0-255, scaled for 16-bit).</summary>
    internal static VipsImageHandle Pixels(int width, int height, int bands, PixelWriter write, bool sixteenBit = false)
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

        fixed (byte* p = data)
        {
            var image = Vips.ImageNewFromMemoryCopy(p, (nuint)data.Length, width, height, bands, sixteenBit ? Vips.FormatUshort : Vips.FormatUchar);
            Assert.False(image.IsInvalid, VipsException.TakeErrorText());
            return image;
        }
    }

    internal static byte[] Save(VipsImageHandle image, string suffix)
    {
        var status = Vips.ImageWriteToBuffer(image, suffix, out var buffer, out var size);
        using (buffer)
        {
            Assert.True(status == 0, VipsException.TakeErrorText());
            return buffer.ToArray(size);
        }
    }

    /// <summary>A busy photo-like RGB pattern so JPEGs are not trivially small.</summary>
    internal static void Gradient(int x, int y, Span<byte> p)
    {
        p[0] = (byte)(x * 3);
        p[1] = (byte)(y * 5);
        p[2] = (byte)((x ^ y) * 7);
    }

    internal static byte[] Jpeg(int width, int height, int orientation = 0, PixelWriter? writer = null)
    {
        using var image = Pixels(width, height, 3, writer ?? Gradient);
        if (orientation > 0)
        {
            Vips.ImageSetInt(image, "orientation", orientation);
        }

        return Save(image, ".jpg[Q=92]");
    }

    /// <summary>A CMYK JPEG; libvips' colourspace attaches its CMYK profile, which <paramref name="keepProfile"/> keeps.</summary>
    internal static byte[] CmykJpeg(int width, int height, bool keepProfile)
    {
        var rgbJpeg = Jpeg(width, height, writer: (x, y, p) => { p[0] = 220; p[1] = 30; p[2] = 30; });
        using var loaded = Load(rgbJpeg, out var pin);
        using (pin)
        {
            Assert.Equal(0, Vips.Colourspace(loaded, out var cmyk, Vips.InterpretationCmyk));
            using (cmyk)
            {
                return Save(cmyk, keepProfile ? ".jpg[Q=92]" : ".jpg[Q=92,strip]");
            }
        }
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
        var crc = Crc32(typeBytes, data);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, crc);
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

    /// <summary>Loads an encoded file; the returned pin must outlive the image.</summary>
    internal static VipsImageHandle Load(byte[] file, out System.Buffers.MemoryHandle pin, string options = "")
    {
        pin = file.AsMemory().Pin();
        var image = Vips.ImageNewFromBuffer((byte*)pin.Pointer, (nuint)file.Length, options);
        Assert.False(image.IsInvalid, VipsException.TakeErrorText());
        return image;
    }

    /// <summary>What a WebP variant decodes to.</summary>
    internal sealed record Decoded(
        int Width, int FrameHeight, int Bands, int Frames, int[] Delays, Func<int, int, byte[]> Pixel);

    /// <summary>Decodes every frame of a WebP (n=-1) and reads pixels from the frame strip.</summary>
    internal static Decoded Decode(byte[] webp)
    {
        Assert.True(webp.AsSpan().StartsWith("RIFF"u8) && webp.AsSpan(8).StartsWith("WEBP"u8), "not a WebP file");
        using var image = Load(webp, out var pin, "n=-1");
        using (pin)
        {
            var width = Vips.ImageGetWidth(image);
            var height = Vips.ImageGetHeight(image);
            var pageHeight = Vips.ImageGetPageHeight(image);
            var pages = Vips.ImageGetNPages(image);
            int[] delays = [];
            if (Vips.ImageGetTypeof(image, "delay") != 0 && Vips.ImageGetArrayInt(image, "delay", out var values, out var count) == 0)
            {
                delays = new ReadOnlySpan<int>(values, count).ToArray();
            }

            // Copy the pixels out now: the image and its pinned source are gone once we return.
            Assert.Equal(Vips.FormatUchar, Vips.ImageGetFormat(image));
            var bands = Vips.ImageGetBands(image);
            using var memory = Vips.ImageWriteToMemory(image, out var size);
            Assert.False(memory.IsInvalid, VipsException.TakeErrorText());
            var pixels = memory.ToArray(size);
            var frames = pageHeight > 0 ? height / pageHeight : 1;
            Assert.Equal(pages, frames);
            return new Decoded(width, pageHeight, bands, frames, delays, (x, y) =>
            {
                var offset = ((y * width) + x) * bands;
                return pixels.AsSpan(offset, bands).ToArray();
            });
        }
    }
}
