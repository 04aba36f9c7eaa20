using MediaOffload.Core.Origins;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Tests.Ownership;

/// <summary>The pure rules of docs/keys.md.</summary>
public sealed class KeyRulesTests
{
    [Theory]
    [InlineData("victim.jpg.webp", "victim.jpg")]
    [InlineData("2024/05/victim.jpeg.webp", "victim.jpeg")]
    [InlineData("a.PNG.AVIF", "a.PNG")]
    [InlineData("x.gif.WebP", "x.gif")]
    [InlineData("wp-content/uploads/a b.jpg.avif", "a b.jpg")]
    public void IsReservedName_VariantShapedName_NamesTheSource(string name, string source)
    {
        Assert.True(VariantKeys.IsReservedName(name, out var of));
        Assert.Equal(source, of);
    }

    [Theory]
    [InlineData("photo.webp")]
    [InlineData("victim.jpg-300x200.webp")]
    [InlineData(".jpg.webp")]
    [InlineData("a.jpe.webp")]
    [InlineData("a.pdf.webp")]
    [InlineData("a.jpg.webp.jpg")]
    [InlineData("a.jpg")]
    [InlineData("")]
    public void IsReservedName_OrdinaryName_IsNotReserved(string name)
    {
        Assert.False(VariantKeys.IsReservedName(name, out _));
    }

    [Theory]
    [InlineData("wp-content/uploads")]
    [InlineData("media")]
    [InlineData("a.b/c_d/e-f")]
    public void CheckPrefix_TemplatePattern_Accepted(string prefix) => Assert.Null(MediaKeys.CheckPrefix(prefix));

    [Theory]
    [InlineData("")]
    [InlineData("x\"><img src=x onerror=alert(1)>")]
    [InlineData("/wp-content/uploads")]
    [InlineData("wp-content/uploads/")]
    [InlineData("wp-content//uploads")]
    [InlineData("wp-content/../uploads")]
    [InlineData("./uploads")]
    [InlineData("wp content")]
    [InlineData("caf\u00E9")]
    public void CheckPrefix_AnythingElse_Refused(string prefix) => Assert.NotNull(MediaKeys.CheckPrefix(prefix));

    [Fact]
    public void KeyOwner_RoundTripsThroughMetadata()
    {
        var owner = KeyOwner.For(42, "2024/05/Cafe\u0301.jpg");
        var metadata = new Dictionary<string, string>();
        owner.WriteTo(metadata);

        Assert.Equal(owner, KeyOwner.Of(new ObjectHeaders("image/jpeg", null, metadata)));
        Assert.Equal("42", metadata[KeyOwner.AttachmentIdKey]);
        Assert.Matches("^[0-9a-f]{32}$", metadata[KeyOwner.SourceNameKey]);
    }

    [Fact]
    public void WriteConflict_NfcAndNfdNames_Conflict()
    {
        var nfc = KeyOwner.For(1, "caf\u00E9.jpg");
        var nfd = KeyOwner.For(1, "cafe\u0301.jpg");
        Assert.NotEqual(nfc.SourceName, nfd.SourceName);
        Assert.NotNull(nfd.WriteConflict(nfc));
        Assert.Null(nfc.WriteConflict(nfc));
    }

    [Fact]
    public void Conflicts_AnotherAttachment_RefusesWriteAndDelete()
    {
        var mine = KeyOwner.For(2, "a.jpg");
        var theirs = KeyOwner.For(1, "a.jpg");
        Assert.Contains("attachment 1", mine.WriteConflict(theirs), StringComparison.Ordinal);
        Assert.Contains("attachment 1", mine.DeleteConflict(theirs), StringComparison.Ordinal);
    }

    [Fact]
    public void Conflicts_UnknownFields_AreNotCompared()
    {
        var cli = KeyOwner.For(null, "a.jpg");
        Assert.Null(cli.WriteConflict(KeyOwner.For(7, "a.jpg")));
        Assert.Null(KeyOwner.For(7, "a.jpg").WriteConflict(KeyOwner.Unknown));
        Assert.Null(new KeyOwner(7, null).DeleteConflict(KeyOwner.Unknown));
    }

    [Fact]
    public void FileUrl_EncodesPerSegmentBelowTheUploadsBase()
    {
        var uploads = new UploadsLocations(["https://blog.example.com"], ["https://blog.example.com/my media"]);
        Assert.Equal("https://blog.example.com/my%20media/2024/05/a%20b%2Bc.jpg", uploads.FileUrl("https://blog.example.com", "2024/05/a b+c.jpg"));
        Assert.Null(uploads.FileUrl("https://other.example.com", "a.jpg"));
        Assert.Equal("https://x.example.com/blog/wp-content/uploads/a.jpg", new UploadsLocations(["https://x.example.com/blog"]).FileUrl("https://x.example.com", "a.jpg"));
    }
}
