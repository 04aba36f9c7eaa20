using System.Text;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Core.Tests.Reconcile;

public class KeyOrderTests
{
    [Theory]
    [InlineData("a", "b")]
    [InlineData("a", "a/b")]
    [InlineData("a b", "a+b")]
    [InlineData("a-b", "a/b")]
    [InlineData("a/b", "aa")]
    [InlineData("z", "é")]
    [InlineData("\uFF5E", "😀")] // U+FF5E vs U+1F600: UTF-16 ordinal gets these backwards
    public void Compare_TwoKeys_FollowsUtf8Bytes(string lower, string higher)
    {
        Assert.True(KeyOrder.Utf8.Compare(lower, higher) < 0);
        Assert.True(KeyOrder.Utf8.Compare(higher, lower) > 0);
    }

    [Fact]
    public void Compare_RandomKeys_MatchesByteComparison()
    {
        var random = new Random(42);
        var alphabet = new[] { "a", "Z", "/", "-", ".", " ", "+", "%", "é", "ж", "中", "\uFF5E", "😀", "\uE000" };
        for (var i = 0; i < 5_000; i++)
        {
            var x = string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            var y = string.Concat(Enumerable.Range(0, random.Next(0, 6)).Select(_ => alphabet[random.Next(alphabet.Length)]));
            var expected = Math.Sign(Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y)));
            Assert.Equal(expected, Math.Sign(KeyOrder.Utf8.Compare(x, y)));
        }
    }
}
