using MediaOffload.Core.Origins;
using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Tests.Origins;

public sealed class UploadsLocationsTests
{
    // A subdirectory network: both sites on one origin, each serving its uploads below its own path.
    private static readonly UploadsLocations Network = new(["https://net.example.com", "https://net.example.com/site2"]);

    [Theory]
    [InlineData("https://net.example.com/wp-content/uploads/2024/05/a.jpg", "2024/05/a.jpg")]
    [InlineData("https://net.example.com/site2/wp-content/uploads/sites/2/2024/05/a.jpg", "sites/2/2024/05/a.jpg")]
    [InlineData("https://net.example.com/wp-content/uploads/sites/2/2024/05/a.jpg", "sites/2/2024/05/a.jpg")]
    public void CheckFileUrl_EitherSitesBase_Accepted(string url, string path)
    {
        Assert.True(MediaPath.TryParse(path, out var parsed, out _));

        Assert.Null(Network.CheckFileUrl(url, parsed, out var onDisk));
        Assert.Equal(path, onDisk);
    }

    [Theory]
    [InlineData("https://net.example.com/site2/wp-config.php", "wp-config.php")]
    [InlineData("https://net.example.com/site3/wp-content/uploads/2024/05/a.jpg", "2024/05/a.jpg")]
    public void CheckFileUrl_NoSitesUploadsBase_Refused(string url, string path)
    {
        Assert.True(MediaPath.TryParse(path, out var parsed, out _));

        Assert.NotNull(Network.CheckFileUrl(url, parsed, out _));
    }

    [Theory]
    [InlineData("https://net.example.com", "https://net.example.com/wp-content/uploads/2024/a.jpg")]
    [InlineData("https://net.example.com/site2", "https://net.example.com/site2/wp-content/uploads/2024/a.jpg")]
    public void FileUrl_EachSite_ItsOwnBase(string site, string expected) =>
        Assert.Equal(expected, Network.FileUrl(site, "2024/a.jpg"));

    [Fact]
    public void FileUrl_ConfiguredBase_ReplacesTheOriginsDefaults()
    {
        var configured = new UploadsLocations(["https://net.example.com", "https://net.example.com/site2"], ["https://net.example.com/media"]);

        Assert.Equal("https://net.example.com/media/2024/a.jpg", configured.FileUrl("https://net.example.com/site2", "2024/a.jpg"));
        Assert.True(MediaPath.TryParse("2024/a.jpg", out var path, out _));
        Assert.NotNull(configured.CheckFileUrl("https://net.example.com/wp-content/uploads/2024/a.jpg", path, out _));
    }
}
