using MediaOffload.Core.RemoteCopies;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Tests.RemoteCopies;

public sealed class RemoteCopyRulesTests
{
    private const string Md5 = "9e107d9d372bb6826bd81d3542a419d6";
    private static readonly RemoteCopyFile File = new("2024/05/a.jpg", "wp-content/uploads/2024/05/a.jpg", 10, Md5);

    [Fact]
    public void WhyNotRemovable_SinglePartObjectWithTheSameSizeAndMd5_Null() =>
        Assert.Null(RemoteCopyRules.WhyNotRemovable(File, Object($"\"{Md5.ToUpperInvariant()}\""), versioned: true));

    [Fact]
    public void WhyNotRemovable_MultipartObjectRecordingTheMd5_Null() =>
        Assert.Null(RemoteCopyRules.WhyNotRemovable(File, Object("\"abc-3\"", sourceMd5: Md5), versioned: true));

    [Theory]
    [InlineData(null, "records no source-md5")]
    [InlineData("0123456789abcdef0123456789abcdef", "MD5 differs")]
    public void WhyNotRemovable_MultipartObjectWithoutTheMd5_Refused(string? sourceMd5, string reason) =>
        Assert.Contains(reason, RemoteCopyRules.WhyNotRemovable(File, Object("\"abc-3\"", sourceMd5: sourceMd5), versioned: true));

    [Fact]
    public void WhyNotRemovable_UnversionedBucket_RefusedEvenWhenTheObjectMatches() =>
        Assert.Equal(RemoteCopyRules.NotVersioned, RemoteCopyRules.WhyNotRemovable(File, Object($"\"{Md5}\""), versioned: false));

    [Fact]
    public void WhyNotRemovable_SizeDiffers_Refused() =>
        Assert.StartsWith("size differs", RemoteCopyRules.WhyNotRemovable(File, Object($"\"{Md5}\"", size: 11), versioned: true));

    private static StoredObject Object(string etag, long size = 10, string? sourceMd5 = null) =>
        new("media", File.Key, size, etag, DateTimeOffset.UnixEpoch,
            new ObjectHeaders("image/jpeg", null, sourceMd5 is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [MediaMetadata.SourceMd5] = sourceMd5 }));
}
