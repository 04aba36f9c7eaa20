using MediaOffload.Core.Jobs;
using MediaOffload.Core.Media;

namespace MediaOffload.Core.Tests.Jobs;

public sealed class JobIdsTests
{
    private const string Type = "attachment.uploaded";
    private const string Site = "https://blog.example.com";

    private static readonly DateTimeOffset Modified = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private static JobFile File(string path, long size = 1000, string md5 = "0123456789abcdef0123456789abcdef", DateTimeOffset? modified = null, CachePolicy? policy = null) =>
        new(path, "wp-content/uploads/" + path, Site + "/wp-content/uploads/" + path, size, md5,
            ObjectHeaderRules.ForOriginal(MediaTypes.ForExtension("jpg")!, policy ?? new CachePolicy(), md5, modified ?? Modified, null));

    private static readonly JobFile[] Files = [File("2024/05/photo.jpg"), File("2024/05/photo-150x150.jpg", 200), File("2024/05/photo-scaled.jpg", 500)];

    private static string Id(IEnumerable<JobFile> files, string type = Type, string site = Site, long attachmentId = 42) =>
        JobIds.For(type, site, attachmentId, files);

    [Fact]
    public void For_FilesInDifferentOrder_SameId()
    {
        var reversed = Files.Reverse().ToArray();
        Assert.Equal(Id(Files), Id(reversed));
        Assert.Equal(Id(Files), Id([Files[1], Files[2], Files[0]]));
    }

    [Fact]
    public void For_SameInput_SameId()
    {
        Assert.Equal(Id(Files), Id(Files.Select(f => f with { }).ToArray()));
    }

    [Fact]
    public void For_Md5Changes_DifferentId()
    {
        Assert.NotEqual(Id(Files), Id([Files[0] with { Md5 = "fedcba9876543210fedcba9876543210" }, Files[1], Files[2]]));
    }

    [Fact]
    public void For_SizeChanges_DifferentId()
    {
        Assert.NotEqual(Id(Files), Id([Files[0] with { Size = 1001 }, Files[1], Files[2]]));
    }

    [Fact]
    public void For_PathChanges_DifferentId()
    {
        Assert.NotEqual(Id(Files), Id([Files[0] with { Path = "2024/05/photo2.jpg" }, Files[1], Files[2]]));
    }

    [Fact]
    public void For_FileRemoved_DifferentId()
    {
        Assert.NotEqual(Id(Files), Id(Files[..2]));
    }

    [Theory]
    [InlineData("attachment.updated")]
    [InlineData("attachment.deleted")]
    public void For_EventTypeChanges_DifferentId(string type)
    {
        Assert.NotEqual(Id(Files), Id(Files, type: type));
    }

    [Fact]
    public void For_SiteOrAttachmentChanges_DifferentId()
    {
        Assert.NotEqual(Id(Files), Id(Files, site: "https://other.example.com"));
        Assert.NotEqual(Id(Files), Id(Files, attachmentId: 43));
    }

    [Fact]
    public void For_ModifiedOrCachePolicyChanges_DifferentId()
    {
        Assert.NotEqual(Id(Files), Id([File("2024/05/photo.jpg", modified: Modified.AddSeconds(1)), Files[1], Files[2]]));
        Assert.NotEqual(Id(Files), Id([File("2024/05/photo.jpg", policy: new CachePolicy(new Dictionary<string, string> { ["jpg"] = "max-age=60" })), Files[1], Files[2]]));
    }

    [Fact]
    public void For_SameInstantInOtherOffset_SameId()
    {
        var shifted = File("2024/05/photo.jpg", modified: Modified.ToOffset(TimeSpan.FromHours(2)));
        Assert.Equal(Id(Files), Id([shifted, Files[1], Files[2]]));
    }

    [Fact]
    public void For_AnyInput_IsJDashAnd32LowerHex()
    {
        Assert.Matches("^j-[0-9a-f]{32}$", Id(Files));
        Assert.Matches("^j-[0-9a-f]{32}$", Id([new JobFile("a.jpg", "a.jpg", null, null, null, null)], type: "attachment.deleted"));
    }

    [Fact]
    public void KeyFor_JobId_IsUnderJobsPrefix()
    {
        Assert.Equal("jobs/j-0123.json", OffloadJob.KeyFor("j-0123"));
    }
}
