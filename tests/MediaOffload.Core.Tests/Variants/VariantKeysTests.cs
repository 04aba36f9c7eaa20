using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Tests.Variants;

public sealed class VariantKeysTests
{
    [Theory]
    [InlineData("2024/05/photo.jpg", SourceImageKind.Jpeg)]
    [InlineData("2024/05/PHOTO.JPEG", SourceImageKind.Jpeg)]
    [InlineData("a.JpG", SourceImageKind.Jpeg)]
    [InlineData("logo.png", SourceImageKind.Png)]
    [InlineData("uploads/anim.GIF", SourceImageKind.Gif)]
    [InlineData("dir.webp/photo.png", SourceImageKind.Png)]
    public void TryGetSourceKind_ImageExtension_ReturnsKind(string key, SourceImageKind expected)
    {
        Assert.True(VariantKeys.TryGetSourceKind(key, out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("photo.jpg.webp")]
    [InlineData("photo.webp")]
    [InlineData("photo.WEBP")]
    [InlineData("doc.pdf")]
    [InlineData("photo")]
    [InlineData("photo.")]
    [InlineData(".png")]
    [InlineData("dir/.jpg")]
    [InlineData("dir.jpg/")]
    [InlineData("dir.jpg/readme")]
    [InlineData("photo.jpgx")]
    [InlineData("")]
    [InlineData(null)]
    public void TryGetSourceKind_NotASource_ReturnsFalse(string? key)
    {
        Assert.False(VariantKeys.TryGetSourceKind(key, out _));
        Assert.False(VariantKeys.IsSource(key));
    }

    [Theory]
    [InlineData("photo.jpg", "photo.jpg.webp")]
    [InlineData("2024/05/Photo.JPEG", "2024/05/Photo.JPEG.webp")]
    [InlineData("a.png", "a.png.webp")]
    [InlineData("a.gif", "a.gif.webp")]
    public void VariantKeyFor_SourceKey_AppendsWebp(string key, string expected)
    {
        Assert.Equal(expected, VariantKeys.VariantKeyFor(key));
    }

    [Fact]
    public void VariantKeyFor_VariantKey_NeverLoops()
    {
        var variant = VariantKeys.VariantKeyFor("photo.jpg");

        Assert.False(VariantKeys.IsSource(variant));
        Assert.Throws<ArgumentException>(() => VariantKeys.VariantKeyFor(variant));
    }
}
