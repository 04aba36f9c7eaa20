using System.Diagnostics;
using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging.Tests;

public sealed class RejectionTests
{
    private static readonly LibvipsVariantEncoder Encoder = new(new VariantOptions());

    [Fact]
    public void Encode_TruncatedJpeg_RejectsAsCorrupt()
    {
        var jpeg = TestImages.Jpeg(256, 256);
        var truncated = jpeg.AsSpan(0, jpeg.Length * 6 / 10).ToArray();

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(truncated, SourceImageKind.Jpeg));

        Assert.Equal(ImageRejectionCode.Corrupt, ex.Code);
        Assert.Contains("JPEG", ex.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.IsType<NetVips.VipsException>(ex.InnerException);
    }

    [Fact]
    public void Encode_EmptyFile_RejectsAsEmpty()
    {
        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(Array.Empty<byte>(), SourceImageKind.Jpeg));

        Assert.Equal(ImageRejectionCode.Empty, ex.Code);
        Assert.Contains("empty", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_TextNamedJpg_RejectsAsFormatMismatch()
    {
        var text = "<?php echo 'not an image'; ?>\n"u8.ToArray();

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(text, SourceImageKind.Jpeg));

        Assert.Equal(ImageRejectionCode.FormatMismatch, ex.Code);
        Assert.Contains("no image signature", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_PngNamedJpg_RejectsAsFormatMismatch()
    {
        using var image = TestImages.Pixels(8, 8, 3, TestImages.Gradient);
        var png = TestImages.Save(image, ".png");

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(png, SourceImageKind.Jpeg));

        Assert.Equal(ImageRejectionCode.FormatMismatch, ex.Code);
        Assert.Contains("Png signature", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SourceImageKind.Jpeg)]
    [InlineData(SourceImageKind.Png)]
    [InlineData(SourceImageKind.Gif)]
    public void Encode_AvifDeclaredAsAnotherKind_RejectsAsFormatMismatch(SourceImageKind declared)
    {
        var avif = Encoder.Encode(TestImages.PhotoJpeg(64, 48), SourceImageKind.Jpeg).Avif!.Bytes;

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(avif, declared));

        Assert.Equal(ImageRejectionCode.FormatMismatch, ex.Code);
        Assert.Contains("Avif signature", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_JpegMagicThenHeifFile_NeverReachesTheHeifLoader()
    {
        // A JPEG signature glued to an AVIF file passes the magic check; the JPEG loader, not a sniffer, then reads it.
        var avif = Encoder.Encode(TestImages.PhotoJpeg(64, 48), SourceImageKind.Jpeg).Avif!.Bytes;
        byte[] disguised = [0xFF, 0xD8, 0xFF, .. avif];

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(disguised, SourceImageKind.Jpeg));

        Assert.Equal(ImageRejectionCode.Corrupt, ex.Code);
        Assert.Contains("jpeg", ex.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Encode_HeifThatIsNotAvif_RejectsWhenDeclaredAvif()
    {
        // ftyp box with brand heic only: HEIC (HEVC) is not an AVIF original.
        byte[] heic = [0, 0, 0, 24, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8, .. new byte[64]];

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(heic, SourceImageKind.Avif));

        Assert.Equal(ImageRejectionCode.FormatMismatch, ex.Code);
    }

    [Fact]
    public void Encode_TruncatedAvif_RejectsAsCorrupt()
    {
        var avif = Encoder.Encode(TestImages.PhotoJpeg(256, 192), SourceImageKind.Jpeg).Avif!.Bytes;
        var truncated = avif.AsSpan(0, avif.Length / 2).ToArray();

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(truncated, SourceImageKind.Avif));

        Assert.Equal(ImageRejectionCode.Corrupt, ex.Code);
    }

    [Fact]
    public void Encode_JpegMagicFollowedByGarbage_RejectsWithReason()
    {
        byte[] fake = [0xFF, 0xD8, 0xFF, .. "this is not really a jpeg at all"u8];

        var ex = Assert.Throws<ImageRejectedException>(() => Encoder.Encode(fake, SourceImageKind.Jpeg));

        Assert.True(ex.Code is ImageRejectionCode.Corrupt or ImageRejectionCode.FormatMismatch, ex.Message);
        Assert.False(string.IsNullOrWhiteSpace(ex.Reason));
    }

    [Fact]
    public void Encode_InputOverByteLimit_RejectsBeforeDecoding()
    {
        var encoder = new LibvipsVariantEncoder(new VariantOptions { MaxInputBytes = 100 });
        var jpeg = TestImages.Jpeg(64, 64);

        var ex = Assert.Throws<ImageRejectedException>(() => encoder.Encode(jpeg, SourceImageKind.Jpeg));

        Assert.Equal(ImageRejectionCode.InputTooLarge, ex.Code);
    }

    [Fact]
    public void Encode_GifOverPixelLimitAcrossFrames_RejectsFromHeader()
    {
        byte[][] colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
        using var pixels = TestImages.Pixels(100, 300, 3, (x, y, p) => colours[y / 100].CopyTo(p));
        using var strip = TestImages.Animated(pixels, 100);
        var gif = TestImages.Save(strip, ".gif");
        var encoder = new LibvipsVariantEncoder(new VariantOptions { MaxPixels = 25_000 });

        var ex = Assert.Throws<ImageRejectedException>(() => encoder.Encode(gif, SourceImageKind.Gif));

        Assert.Equal(ImageRejectionCode.PixelLimitExceeded, ex.Code);
        Assert.Contains("100x300", ex.Reason, StringComparison.Ordinal);
    }
}

/// <summary>Runs alone so the process memory numbers belong to the bomb and nothing else.</summary>
[CollectionDefinition(nameof(PixelBombCollection), DisableParallelization = true)]
public sealed class PixelBombCollection;

[Collection(nameof(PixelBombCollection))]
public sealed class PixelBombTests
{
    [Fact]
    public void Encode_PngBomb30000x30000_RejectsFromHeaderQuicklyWithoutAllocating()
    {
        var bomb = TestImages.PngBomb(30000, 30000);
        Assert.True(bomb.Length < 2_000_000, $"bomb is {bomb.Length} bytes");
        var encoder = new LibvipsVariantEncoder(new VariantOptions());
        var rssBefore = ResidentBytes();
        var clock = Stopwatch.StartNew();

        var ex = Assert.Throws<ImageRejectedException>(() => encoder.Encode(bomb, SourceImageKind.Png));

        clock.Stop();
        Assert.Equal(ImageRejectionCode.PixelLimitExceeded, ex.Code);
        Assert.Contains("30000x30000 = 900000000 pixels", ex.Reason, StringComparison.Ordinal);

        // Decoding would need 900 MB for one byte per pixel; a header read needs almost nothing.
        Assert.True(clock.ElapsedMilliseconds < 1000, $"took {clock.ElapsedMilliseconds} ms");
        var grown = ResidentBytes() - rssBefore;
        Assert.True(grown < 50L * 1024 * 1024, $"RSS grew by {grown / 1024 / 1024} MiB");
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
