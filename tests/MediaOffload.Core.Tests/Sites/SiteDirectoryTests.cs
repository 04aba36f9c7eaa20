using MediaOffload.Core.Sites;

namespace MediaOffload.Core.Tests.Sites;

public sealed class SiteDirectoryTests
{
    private static readonly Site Main = new("https://net.example.com", "", ["main-secret"]);
    private static readonly Site Second = new("https://net.example.com/site2", "sites/2", ["second-secret"]);
    private static readonly SiteDirectory Network = new([Second, Main], ["operator-secret"]);

    [Fact]
    public void Sites_MainListedLast_MainComesFirst() => Assert.Equal([Main, Second], Network.Sites);

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, "https://net.example.com")]
    [InlineData(2, "https://net.example.com/site2")]
    public void SignerAt_EachSecret_BoundToItsSiteOrUnbound(int index, string? site) =>
        Assert.Equal(site, Network.SignerAt(index).BoundTo?.Url);

    [Theory]
    [InlineData("https://net.example.com", "2024/05/a.jpg", true)]
    [InlineData("https://net.example.com", "sites/2/2024/05/a.jpg", false)]
    [InlineData("https://net.example.com", "sites/22/2024/05/a.jpg", true)]
    [InlineData("https://net.example.com/site2", "sites/2/2024/05/a.jpg", true)]
    [InlineData("https://net.example.com/site2", "sites/22/2024/05/a.jpg", false)]
    [InlineData("https://net.example.com/site2", "2024/05/a.jpg", false)]
    [InlineData("https://net.example.com/site2", "sites/2", false)]
    public void InKeySpace_PathOfEitherSite_OnlyItsOwn(string site, string path, bool expected) =>
        Assert.Equal(expected, Network.InKeySpace(Network.Find(site)!, path));

    [Theory]
    [InlineData("https://net.example.com/site2", "https://net.example.com/site2")]
    [InlineData(null, "https://net.example.com")]
    [InlineData("https://elsewhere.example.com", "https://net.example.com")]
    public void FindOrMain_NamedOrNot_ThatSiteElseTheMain(string? url, string expected) =>
        Assert.Equal(expected, Network.FindOrMain(url).Url);

    [Theory]
    [InlineData("HTTPS://NET.example.com/site2/", true)]
    [InlineData("https://net.example.com/Site2", false)]
    [InlineData("https://net.example.com/site2/x", false)]
    [InlineData("https://net.example.com:8443/site2", false)]
    public void MayActFor_SiteUrlSpelledOtherwise_SameSiteOnlyWhenItIs(string url, bool expected) =>
        Assert.Equal(expected, new Signer(Second).MayActFor(url));

    [Fact]
    public void SecretFor_BoundOrNot_BoundFirstElseUnbound()
    {
        var directory = new SiteDirectory([new Site("https://blog.example.com", "", [])], ["operator-secret"]);

        Assert.Equal("second-secret", Network.SecretFor(Second));
        Assert.Equal("operator-secret", directory.SecretFor(directory.Sites[0]));
    }

    [Theory]
    [InlineData(2, "https://net.example.com/site2", "sites/2/2024/a.jpg", null)]
    [InlineData(2, "https://net.example.com", "sites/2/2024/a.jpg", "may not act for")]
    [InlineData(2, "https://net.example.com/site2", "2024/a.jpg", "outside the key space")]
    [InlineData(1, "https://net.example.com", "sites/2/2024/a.jpg", "outside the key space")]
    [InlineData(0, "https://net.example.com/site2", "2024/a.jpg", null)]
    public void Forbidden_SignerSiteAndPath_OnlyTheBoundSitesOwnKeySpace(int secret, string site, string path, string? expected)
    {
        var reason = SiteRules.Forbidden(Network.SignerAt(secret), Network, site, [path]);

        if (expected is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(expected, reason, StringComparison.Ordinal);
        }
    }
}
