using MediaOffload.Core.Origins;

namespace MediaOffload.Core.Tests.Origins;

public sealed class OriginAllowlistTests
{
    private static readonly OriginAllowlist Allowlist = new(["https://blog.example.com", "https://media.example.com:8443/some/path", "http://local.test:8080"]);

    [Theory]
    [InlineData("https://blog.example.com/wp-content/uploads/a.jpg")]
    [InlineData("https://blog.example.com:443/wp-content/uploads/a.jpg")]
    [InlineData("https://BLOG.Example.COM/a.jpg")]
    [InlineData("HTTPS://blog.example.com/a.jpg")]
    [InlineData("https://blog.example.com")]
    [InlineData("https://media.example.com:8443/a.jpg")]
    public void Check_AllowedOrigin_ReturnsNull(string url)
    {
        Assert.Null(Allowlist.Check(url));
    }

    [Theory]
    [InlineData("https://blog.example.com:8443/a.jpg")]
    [InlineData("https://media.example.com/a.jpg")]
    [InlineData("https://media.example.com:443/a.jpg")]
    [InlineData("https://other.example.com/a.jpg")]
    [InlineData("https://example.com/a.jpg")]
    [InlineData("https://sub.blog.example.com/a.jpg")]
    [InlineData("https://blog.example.com.evil.test/a.jpg")]
    public void Check_OtherHostOrPort_Refused(string url)
    {
        var error = Allowlist.Check(url);
        Assert.NotNull(error);
        Assert.Contains("not in AllowedOrigins", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_HttpNotAllowed_Refused()
    {
        var error = Allowlist.Check("http://local.test:8080/a.jpg");
        Assert.NotNull(error);
        Assert.Contains("plain http", error, StringComparison.Ordinal);
        Assert.NotNull(Allowlist.Check("http://blog.example.com/a.jpg"));
    }

    [Fact]
    public void Check_HttpAllowed_AcceptsListedHttpOrigin()
    {
        var allowlist = new OriginAllowlist(["http://local.test:8080", "https://blog.example.com"], allowHttp: true);
        Assert.True(allowlist.AllowHttp);
        Assert.Null(allowlist.Check("http://local.test:8080/a.jpg"));
        Assert.Null(allowlist.Check("https://blog.example.com/a.jpg"));
        // Allowing http does not make an https origin reachable over http.
        Assert.NotNull(allowlist.Check("http://blog.example.com/a.jpg"));
        Assert.NotNull(allowlist.Check("http://local.test/a.jpg"));
    }

    [Theory]
    [InlineData("https://user@blog.example.com/a.jpg")]
    [InlineData("https://user:secret@blog.example.com/a.jpg")]
    public void Check_UserInfo_Refused(string url)
    {
        var error = Allowlist.Check(url);
        Assert.NotNull(error);
        Assert.Contains("user info", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("blog.example.com/a.jpg")]
    [InlineData("ftp://blog.example.com/a.jpg")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    public void Check_NotAnHttpUrl_Refused(string? url)
    {
        Assert.NotNull(Allowlist.Check(url));
    }

    [Fact]
    public void Constructor_BaseUrlWithUserInfo_IsIgnored()
    {
        var allowlist = new OriginAllowlist(["https://u:p@blog.example.com"]);
        Assert.NotNull(allowlist.Check("https://blog.example.com/a.jpg"));
    }

    [Theory]
    [InlineData("https://blog.example.com/a.jpg", "https://blog.example.com/b/c.jpg?x=1")]
    [InlineData("https://blog.example.com/a.jpg", "https://BLOG.example.com:443/a.jpg")]
    [InlineData("http://local.test:8080/a", "http://local.test:8080/b")]
    public void SameOrigin_SameSchemeHostPort_True(string a, string b)
    {
        Assert.True(OriginAllowlist.SameOrigin(new Uri(a), new Uri(b)));
    }

    [Theory]
    [InlineData("https://blog.example.com/a.jpg", "http://blog.example.com/a.jpg")]
    [InlineData("https://blog.example.com/a.jpg", "https://evil.example.com/a.jpg")]
    [InlineData("https://blog.example.com/a.jpg", "https://blog.example.com:8443/a.jpg")]
    [InlineData("http://local.test:8080/a", "http://local.test/a")]
    public void SameOrigin_DifferentSchemeHostOrPort_False(string a, string b)
    {
        Assert.False(OriginAllowlist.SameOrigin(new Uri(a), new Uri(b)));
    }
}
