using System.IO.Compression;
using System.Text;
using MediaOffload.Core.Media;

namespace MediaOffload.Core.Tests.Media;

public sealed class MediaTypesTests
{
    // Real files or the real first bytes of files written by common encoders.
    private static readonly byte[] Jpeg = Convert.FromHexString("FFD8FFE000104A46494600010101004800480000FFDB004300080606070605080707070909080A0C140D0C0B0B0C1912130F");
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
    private static readonly byte[] WebP = Convert.FromHexString("524946461A000000574542505650384C0D0000002F0000001007102011114888FE0700");
    private static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00E2\u00E3\u00CF\u00D3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    private static readonly byte[] Woff2 = Convert.FromHexString("774F46320001000000000A3C000B0000000013A800000000000000000000000000000000");

    public static TheoryData<string, byte[]> GenuineFiles => new()
    {
        { "jpg", Jpeg },
        { "jpeg", Jpeg },
        { "JPG", Jpeg },
        { "png", Png },
        { "gif", Gif },
        { "webp", WebP },
        { "pdf", Pdf },
        { "mp4", Mp4() },
        { "woff2", Woff2 },
        { "docx", Docx() },
    };

    [Theory]
    [MemberData(nameof(GenuineFiles))]
    public void CheckContent_GenuineMagicBytes_Passes(string extension, byte[] content)
    {
        var type = MediaTypes.ForExtension(extension);
        Assert.NotNull(type);
        Assert.Null(MediaTypes.CheckContent(type, Head(content)));
    }

    [Theory]
    [InlineData("jpg", "<?php system($_GET['c']); ?>", "script")]
    [InlineData("jpg", "  \n<?PHP echo 1;", "script")]
    [InlineData("gif", "<?= $x ?>", "script")]
    [InlineData("png", "<!DOCTYPE html><html><body>hi</body></html>", "script or markup")]
    [InlineData("png", "<html><script>alert(1)</script></html>", "script or markup")]
    [InlineData("pdf", "<script>alert(1)</script>", "script or markup")]
    [InlineData("mp4", "#!/bin/sh\nrm -rf /", "script")]
    public void CheckContent_ScriptOrMarkup_FailsWithReason(string extension, string content, string reason)
    {
        var type = MediaTypes.ForExtension(extension)!;
        var error = MediaTypes.CheckContent(type, Encoding.UTF8.GetBytes(content));
        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckContent_EmptyFile_FailsWithReason()
    {
        Assert.Equal("file is empty", MediaTypes.CheckContent(MediaTypes.ForExtension("jpg")!, ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void CheckContent_PngNamedJpg_FailsWithReason()
    {
        var error = MediaTypes.CheckContent(MediaTypes.ForExtension("jpg")!, Png);
        Assert.NotNull(error);
        Assert.Contains("JPEG", error, StringComparison.Ordinal);
        Assert.Contains(".jpg", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("png", "jpeg")]
    [InlineData("gif", "png")]
    [InlineData("webp", "gif")]
    [InlineData("pdf", "docx")]
    [InlineData("docx", "pdf")]
    [InlineData("woff2", "mp4")]
    public void CheckContent_OtherTypesBytes_Fails(string extension, string actual)
    {
        var bytes = actual switch
        {
            "jpeg" => Jpeg,
            "png" => Png,
            "gif" => Gif,
            "pdf" => Pdf,
            "docx" => Docx(),
            "mp4" => Mp4(),
            _ => throw new ArgumentOutOfRangeException(nameof(actual)),
        };
        Assert.NotNull(MediaTypes.CheckContent(MediaTypes.ForExtension(extension)!, Head(bytes)));
    }

    [Fact]
    public void CheckContent_WebPWithTruncatedRiffHeader_Fails()
    {
        Assert.NotNull(MediaTypes.CheckContent(MediaTypes.ForExtension("webp")!, "RIFF\0\0"u8.ToArray()));
    }

    [Fact]
    public void CheckContent_WaveNamedWebP_Fails()
    {
        var wave = "RIFF\x24\0\0\0WAVEfmt "u8.ToArray();
        Assert.NotNull(MediaTypes.CheckContent(MediaTypes.ForExtension("webp")!, wave));
        Assert.Null(MediaTypes.CheckContent(MediaTypes.ForExtension("wav")!, wave));
    }

    [Theory]
    [InlineData("php")]
    [InlineData("PHP")]
    [InlineData("phtml")]
    [InlineData("php5")]
    [InlineData("phar")]
    [InlineData("htaccess")]
    [InlineData("html")]
    [InlineData("htm")]
    [InlineData("shtml")]
    [InlineData("svg")]
    [InlineData("svgz")]
    [InlineData("js")]
    [InlineData("css")]
    [InlineData("txt")]
    [InlineData("xml")]
    [InlineData("exe")]
    [InlineData("ini")]
    [InlineData("")]
    public void ForExtension_NotOffloadable_ReturnsNull(string extension)
    {
        Assert.Null(MediaTypes.ForExtension(extension));
    }

    [Theory]
    [InlineData("jpg", "image/jpeg", MediaKind.Image)]
    [InlineData("PNG", "image/png", MediaKind.Image)]
    [InlineData("mp3", "audio/mpeg", MediaKind.Audio)]
    [InlineData("mp4", "video/mp4", MediaKind.Video)]
    [InlineData("pdf", "application/pdf", MediaKind.Document)]
    [InlineData("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", MediaKind.Document)]
    [InlineData("woff2", "font/woff2", MediaKind.Font)]
    public void ForExtension_Allowlisted_ReturnsContentTypeAndKind(string extension, string contentType, MediaKind kind)
    {
        var type = MediaTypes.ForExtension(extension);
        Assert.NotNull(type);
        Assert.Equal(contentType, type.ContentType);
        Assert.Equal(kind, type.Kind);
        Assert.Equal(extension.ToLowerInvariant(), type.Extension);
    }

    [Fact]
    public void All_EveryType_HasLowerCaseExtensionAndAContentType()
    {
        var all = MediaTypes.All.ToList();
        Assert.NotEmpty(all);
        Assert.All(all, t =>
        {
            Assert.Equal(t.Extension.ToLowerInvariant(), t.Extension);
            Assert.Contains('/', t.ContentType);
        });
        Assert.DoesNotContain(all, t => t.ContentType.Contains("html", StringComparison.OrdinalIgnoreCase) || t.ContentType.Contains("svg", StringComparison.OrdinalIgnoreCase));
    }

    private static ReadOnlyMemory<byte> Head(byte[] content) => content.AsMemory(0, Math.Min(content.Length, 64));

    // An ftyp box as written by ffmpeg: size 0x20, "ftyp", major brand "isom", version 0x200, compatible brands.
    private static byte[] Mp4() => Convert.FromHexString("0000002066747970" + "69736F6D" + "00000200" + "69736F6D69736F3261766331" + "6D703431" + "00000008667265650000");

    private static byte[] Docx()
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("[Content_Types].xml").Open());
            writer.Write("<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
        }

        return ms.ToArray();
    }
}
