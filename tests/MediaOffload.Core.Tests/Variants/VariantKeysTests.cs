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
    [InlineData("2024/05/photo.avif", SourceImageKind.Avif)]
    [InlineData("photo.AVIF", SourceImageKind.Avif)]
    [InlineData("photo.avif.avif", SourceImageKind.Avif)]
    [InlineData("dir.jpg/photo.avif", SourceImageKind.Avif)]
    public void TryGetSourceKind_ImageExtension_ReturnsKind(string key, SourceImageKind expected)
    {
        Assert.True(VariantKeys.TryGetSourceKind(key, out var kind));
        Assert.Equal(expected, kind);
    }

    [Theory]
    [InlineData("photo.jpg.webp")]
    [InlineData("photo.jpg.avif")]
    [InlineData("photo.PNG.AVIF")]
    [InlineData("anim.gif.avif")]
    [InlineData("photo.avif.webp")]
    [InlineData(".avif")]
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
    [InlineData("photo.jpg", VariantTarget.WebP, "photo.jpg.webp")]
    [InlineData("photo.jpg", VariantTarget.Avif, "photo.jpg.avif")]
    [InlineData("2024/05/Photo.JPEG", VariantTarget.Avif, "2024/05/Photo.JPEG.avif")]
    [InlineData("a.png", VariantTarget.WebP, "a.png.webp")]
    [InlineData("a.gif", VariantTarget.Avif, "a.gif.avif")]
    [InlineData("a.avif", VariantTarget.WebP, "a.avif.webp")]
    public void VariantKeyFor_SourceKey_AppendsTheFormatsSuffix(string key, VariantTarget target, string expected)
    {
        Assert.Equal(expected, VariantKeys.VariantKeyFor(key, target));
        Assert.True(VariantKeys.TryParseVariant(expected, out var source, out var parsed));
        Assert.Equal((key, target), (source, parsed));
    }

    [Theory]
    [InlineData(VariantTarget.WebP)]
    [InlineData(VariantTarget.Avif)]
    public void VariantKeyFor_VariantKey_NeverLoops(VariantTarget target)
    {
        var variant = VariantKeys.VariantKeyFor("photo.jpg", target);

        Assert.False(VariantKeys.IsSource(variant));
        Assert.Throws<ArgumentException>(() => VariantKeys.VariantKeyFor(variant, VariantTarget.WebP));
    }

    [Fact]
    public void VariantKeyFor_AvifOriginal_HasNoAvifVariant()
    {
        Assert.Throws<ArgumentException>(() => VariantKeys.VariantKeyFor("photo.avif", VariantTarget.Avif));
        Assert.False(VariantKeys.TryParseVariant("photo.avif.avif", out _, out _));
    }

    [Theory]
    [InlineData("photo.jpg.avif", "photo.jpg")]
    [InlineData("x/photo.JPG.WEBP", "photo.JPG")]
    [InlineData("b.avif.WebP", "b.avif")]
    public void IsReservedName_VariantShapeInAnyCase_NamesTheSource(string name, string expected)
    {
        Assert.True(VariantKeys.IsReservedName(name, out var source));
        Assert.Equal(expected, source);
    }

    [Theory]
    [InlineData("photo.avif")]
    [InlineData("photo.avif.avif")]
    [InlineData("photo.webp")]
    [InlineData("photo.pdf.avif")]
    public void IsReservedName_UploadableName_ReturnsFalse(string name)
    {
        Assert.False(VariantKeys.IsReservedName(name, out _));
    }

    [Fact]
    public void VariantsOf_FormatsEnabled_ListsKeysInKeyOrder()
    {
        var both = new HashSet<VariantTarget> { VariantTarget.WebP, VariantTarget.Avif };
        var webpOnly = new HashSet<VariantTarget> { VariantTarget.WebP };

        Assert.Equal(["a.jpg.avif", "a.jpg.webp"], VariantKeys.VariantsOf("a.jpg", both).Select(v => v.Key));
        Assert.Equal(["a.jpg.webp"], VariantKeys.VariantsOf("a.jpg", webpOnly).Select(v => v.Key));
        Assert.Equal(["a.avif.webp"], VariantKeys.VariantsOf("a.avif", both).Select(v => v.Key));
        Assert.Empty(VariantKeys.VariantsOf("a.jpg.avif", both));
    }
}
