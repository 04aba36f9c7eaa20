using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Tests.Paths;

/// <summary>Decomposed names (as macOS writes them) must map to the same key as their composed form.</summary>
public sealed class MediaPathNfcTests
{
    [Theory]
    [InlineData("2024/05/Cafe\u0301.jpg", "2024/05/Caf\u00E9.jpg")]
    [InlineData("2024/05/A\u030Angstro\u0308m.png", "2024/05/\u00C5ngstr\u00F6m.png")]
    [InlineData("2024/05/\u1100\u1161.gif", "2024/05/\uAC00.gif")]
    [InlineData("2024/05/already-\u00E9.jpg", "2024/05/already-\u00E9.jpg")]
    public void TryParse_DecomposedInput_ReturnsComposedPath(string raw, string expected)
    {
        Assert.True(MediaPath.TryParse(raw, out var path, out var error), error);
        Assert.Equal(expected, path.Value);
    }
}
