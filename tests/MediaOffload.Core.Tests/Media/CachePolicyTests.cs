using MediaOffload.Core.Media;

namespace MediaOffload.Core.Tests.Media;

public sealed class CachePolicyTests
{
    private const string Year = "public, max-age=31536000, immutable";
    private const string Day = "public, max-age=86400";
    private const string Hour = "public, max-age=3600";

    private static MediaType Type(string extension) => MediaTypes.ForExtension(extension)!;

    [Theory]
    [InlineData("jpg")]
    [InlineData("mp4")]
    [InlineData("mp3")]
    [InlineData("pdf")]
    [InlineData("woff2")]
    public void For_NoOverrides_IsLongLivedImmutable(string extension)
    {
        Assert.Equal(Year, new CachePolicy().For(Type(extension)));
        Assert.Equal(Year, new CachePolicy(new Dictionary<string, string>()).For(Type(extension)));
    }

    [Fact]
    public void For_KindOverride_AppliesToEveryTypeOfThatKind()
    {
        var policy = new CachePolicy(new Dictionary<string, string> { ["Document"] = Day });
        Assert.Equal(Day, policy.For(Type("pdf")));
        Assert.Equal(Day, policy.For(Type("docx")));
        Assert.Equal(Year, policy.For(Type("jpg")));
    }

    [Fact]
    public void For_KindOverrideInOtherCase_Applies()
    {
        var policy = new CachePolicy(new Dictionary<string, string> { ["document"] = Day });
        Assert.Equal(Day, policy.For(Type("pdf")));
    }

    [Fact]
    public void For_ExtensionOverride_AppliesToThatExtensionOnly()
    {
        var policy = new CachePolicy(new Dictionary<string, string> { ["PDF"] = Hour });
        Assert.Equal(Hour, policy.For(Type("pdf")));
        Assert.Equal(Year, policy.For(Type("docx")));
    }

    [Fact]
    public void For_KindAndExtensionOverride_ExtensionWins()
    {
        var policy = new CachePolicy(new Dictionary<string, string> { ["Document"] = Day, ["pdf"] = Hour });
        Assert.Equal(Hour, policy.For(Type("pdf")));
        Assert.Equal(Day, policy.For(Type("docx")));
        Assert.Equal(Year, policy.For(Type("png")));
    }

    [Fact]
    public void For_ExtensionListedBeforeKind_ExtensionStillWins()
    {
        var overrides = new List<KeyValuePair<string, string>> { new("pdf", Hour), new("Document", Day) }
            .ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(Hour, new CachePolicy(overrides).For(Type("pdf")));
    }

    [Fact]
    public void Version_SameTable_IsStable()
    {
        Assert.Equal(new CachePolicy().Version, new CachePolicy().Version);
        Assert.Equal(
            new CachePolicy(new Dictionary<string, string> { ["Document"] = Day, ["pdf"] = Hour }).Version,
            new CachePolicy(new Dictionary<string, string> { ["pdf"] = Hour, ["Document"] = Day }).Version);
    }

    [Fact]
    public void Version_OverrideThatChangesNothing_IsUnchanged()
    {
        var plain = new CachePolicy().Version;
        Assert.Equal(plain, new CachePolicy(new Dictionary<string, string> { ["jpg"] = Year }).Version);
        Assert.Equal(plain, new CachePolicy(new Dictionary<string, string> { ["Image"] = Year }).Version);
        Assert.Equal(
            new CachePolicy(new Dictionary<string, string> { ["pdf"] = Hour }).Version,
            new CachePolicy(new Dictionary<string, string> { ["PDF"] = Hour }).Version);
    }

    [Fact]
    public void Version_TableChanges_Changes()
    {
        var versions = new[]
        {
            new CachePolicy().Version,
            new CachePolicy(new Dictionary<string, string> { ["pdf"] = Hour }).Version,
            new CachePolicy(new Dictionary<string, string> { ["pdf"] = Day }).Version,
            new CachePolicy(new Dictionary<string, string> { ["docx"] = Hour }).Version,
            new CachePolicy(new Dictionary<string, string> { ["Document"] = Hour }).Version,
            new CachePolicy(new Dictionary<string, string> { ["Font"] = Hour }).Version,
        };
        Assert.Equal(versions.Length, versions.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Version_Format_IsP1AndEightHex()
    {
        Assert.Matches("^p1-[0-9a-f]{8}$", new CachePolicy().Version);
    }
}
