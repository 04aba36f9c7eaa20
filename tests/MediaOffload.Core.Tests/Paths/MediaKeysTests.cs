using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Tests.Paths;

public sealed class MediaKeysTests
{
    [Fact]
    public void KeyFor_DefaultPrefix_PrependsWpContentUploads()
    {
        var keys = new MediaKeys();
        Assert.Equal("wp-content/uploads", keys.Prefix);
        Assert.Equal("wp-content/uploads/2024/05/photo.jpg", keys.KeyFor(MediaPath.Parse("2024/05/photo.jpg")));
    }

    [Fact]
    public void KeyFor_CustomPrefix_PrependsIt()
    {
        var keys = new MediaKeys("media/site-a");
        Assert.Equal("media/site-a/2024/05/photo.jpg", keys.KeyFor(MediaPath.Parse("2024/05/photo.jpg")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("/")]
    [InlineData("//")]
    public void KeyFor_EmptyPrefix_KeyIsThePath(string? prefix)
    {
        var keys = new MediaKeys(prefix);
        Assert.Equal(string.Empty, keys.Prefix);
        Assert.Equal("2024/05/photo.jpg", keys.KeyFor(MediaPath.Parse("2024/05/photo.jpg")));
    }

    [Theory]
    [InlineData("/wp-content/uploads")]
    [InlineData("wp-content/uploads/")]
    [InlineData("/wp-content/uploads/")]
    [InlineData("//wp-content/uploads//")]
    public void Constructor_SlashesAtEnds_AreTrimmed(string prefix)
    {
        var keys = new MediaKeys(prefix);
        Assert.Equal("wp-content/uploads", keys.Prefix);
        Assert.Equal("wp-content/uploads/a.jpg", keys.KeyFor(MediaPath.Parse("a.jpg")));
    }

    [Theory]
    [InlineData("wp-content/uploads", "2024/05/photo.jpg")]
    [InlineData("wp-content/uploads", "2024/05/Café a b+c&d 100%.jpg")]
    [InlineData("", "2024/05/photo.jpg")]
    [InlineData("x", "日本/写真.png")]
    public void PathOf_KeyFromKeyFor_RoundTrips(string prefix, string raw)
    {
        var keys = new MediaKeys(prefix);
        var path = MediaPath.Parse(raw);
        Assert.Equal(path, keys.PathOf(keys.KeyFor(path)));
    }

    [Theory]
    [InlineData("other/2024/05/photo.jpg")]
    [InlineData("wp-content/uploads")]
    [InlineData("wp-content/uploads/")]
    [InlineData("wp-content/uploadsX/photo.jpg")]
    [InlineData("wp-content/uploads/../wp-config.php")]
    [InlineData("wp-content/uploads//photo.jpg")]
    public void PathOf_KeyOutsidePrefixOrInvalid_ReturnsNull(string key)
    {
        Assert.Null(new MediaKeys().PathOf(key));
    }

    [Fact]
    public void PathOf_EmptyPrefix_AcceptsAnyValidKey()
    {
        Assert.Equal("2024/05/photo.jpg", new MediaKeys("").PathOf("2024/05/photo.jpg")?.Value);
    }
}
