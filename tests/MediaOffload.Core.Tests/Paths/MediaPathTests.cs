using System.Text;
using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Tests.Paths;

public sealed class MediaPathTests
{
    public static TheoryData<string?, string> RejectedPaths => new()
    {
        { "../../wp-config.php", "'.' or '..' segment" },
        { "2024/../../wp-config.php", "'.' or '..' segment" },
        { "/etc/passwd", "absolute" },
        { "C:/x.jpg", "absolute" },
        { "a\\b.jpg", "backslash" },
        { "a//b.jpg", "empty segment" },
        { "2024/05/", "empty segment" },
        { "./a.jpg", "'.' or '..' segment" },
        { "2024/./a.jpg", "'.' or '..' segment" },
        { "a\u0000b.jpg", "control character" },
        { "a\nb.jpg", "control character" },
        { "a\u007Fb.jpg", "control character" },
        { "", "empty" },
        { null, "empty" },
        { new string('a', 897) + ".jpg", "longer than 900" },
    };

    [Theory]
    [MemberData(nameof(RejectedPaths))]
    public void TryParse_BrokenRule_FailsWithReason(string? raw, string reason)
    {
        Assert.False(MediaPath.TryParse(raw, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidPath_ThrowsArgumentException()
    {
        var e = Assert.Throws<ArgumentException>(() => MediaPath.Parse("../x.jpg"));
        Assert.Contains("'..'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ExactlyMaxBytes_Accepted()
    {
        var raw = new string('a', 896) + ".jpg";
        Assert.Equal(900, raw.Length);
        Assert.True(MediaPath.TryParse(raw, out var path, out _));
        Assert.Equal(raw, path.Value);
    }

    [Fact]
    public void TryParse_MultiByteCharactersOverLimit_Rejected()
    {
        // 301 three-byte characters are 903 UTF-8 bytes but only 301 UTF-16 chars.
        var raw = new string('日', 301);
        Assert.False(MediaPath.TryParse(raw, out _, out var error));
        Assert.Contains("UTF-8 bytes", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024/05/photo.jpg")]
    [InlineData("2024/05/my photo.jpg")]
    [InlineData("2024/05/a+b.jpg")]
    [InlineData("2024/05/a&b.jpg")]
    [InlineData("2024/05/100%.jpg")]
    [InlineData("2024/05/a%20b.jpg")]
    [InlineData("2024/05/Ελληνικά.jpg")]
    [InlineData("2024/05/日本語.png")]
    [InlineData("2024/05/Привет мир.gif")]
    [InlineData("..hidden/...jpg")]
    [InlineData("photo-150x150.jpg")]
    public void TryParse_AllowedCharacters_KeptVerbatim(string raw)
    {
        Assert.True(MediaPath.TryParse(raw, out var path, out var error), error);
        Assert.Equal(raw, path.Value);
        Assert.Equal(raw, path.ToString());
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("2024/05/photo.jpg", "jpg")]
    [InlineData("2024/05/PHOTO.JPG", "jpg")]
    [InlineData("a.Tar.GZ", "gz")]
    [InlineData("photo.jpg.webp", "webp")]
    [InlineData("dir.d/readme", "")]
    [InlineData("2024/.htaccess", "")]
    [InlineData("noextension", "")]
    [InlineData("trailingdot.", "")]
    public void Extension_Path_ReturnsLowerCaseExtensionOfFileName(string raw, string expected)
    {
        Assert.Equal(expected, MediaPath.Parse(raw).Extension);
    }
}
