using MediaOffload.Api.Notifications;

namespace MediaOffload.Api.Tests.Notifications;

public sealed class S3NotificationKeysTests
{
    private const string Key = "wp-content/uploads/2024/07/Café a b+c&d 100% Ελληνικά 日本.jpg";

    // Written out by hand from the UTF-8 bytes: é = C3 A9, Ελληνικά and 日本 as below.
    private const string Encoded =
        "wp-content/uploads/2024/07/Caf%C3%A9+a+b%2Bc%26d+100%25+%CE%95%CE%BB%CE%BB%CE%B7%CE%BD%CE%B9%CE%BA%CE%AC+%E6%97%A5%E6%9C%AC.jpg";

    [Fact]
    public void Encode_MixedKey_MatchesS3Encoding()
    {
        Assert.Equal(Encoded, S3NotificationKeys.Encode(Key));
    }

    [Fact]
    public void Decode_S3EncodedKey_ReturnsStoredKey()
    {
        Assert.Equal(Key, S3NotificationKeys.Decode(Encoded));
    }

    [Theory]
    [InlineData(Key)]
    [InlineData("a.jpg")]
    [InlineData("dir/sub dir/file (1).png")]
    [InlineData("x/~tilde/a=b;c,d.pdf")]
    public void DecodeEncode_AnyKey_RoundTrips(string key)
    {
        Assert.Equal(key, S3NotificationKeys.Decode(S3NotificationKeys.Encode(key)));
    }

    [Theory]
    [InlineData("a+b.jpg", "a b.jpg")]
    [InlineData("a%2Bb.jpg", "a+b.jpg")]
    [InlineData("a%2bb.jpg", "a+b.jpg")]
    [InlineData("a%20b.jpg", "a b.jpg")]
    [InlineData("dir/sub/a.jpg", "dir/sub/a.jpg")]
    [InlineData("dir%2Fsub/a.jpg", "dir/sub/a.jpg")]
    [InlineData("100%25.jpg", "100%.jpg")]
    public void Decode_FormEncoding_PlusIsSpace(string encoded, string expected)
    {
        Assert.Equal(expected, S3NotificationKeys.Decode(encoded));
    }

    [Theory]
    [InlineData(" ", "+")]
    [InlineData("+", "%2B")]
    [InlineData("&", "%26")]
    [InlineData("%", "%25")]
    [InlineData("/", "/")]
    [InlineData("a/b/c", "a/b/c")]
    [InlineData("é", "%C3%A9")]
    [InlineData("日", "%E6%97%A5")]
    [InlineData("abc-_.XYZ09", "abc-_.XYZ09")]
    [InlineData("photo (1)!.jpg", "photo+%281%29%21.jpg")]
    public void Encode_Character_EncodedAsS3Does(string key, string expected)
    {
        Assert.Equal(expected, S3NotificationKeys.Encode(key));
    }

    [Fact]
    public void Record_Key_IsEncodedInTheNotification()
    {
        var record = S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, "media", "a b+c.jpg", 10, "\"abc\"");
        Assert.Equal("a+b%2Bc.jpg", record.S3!.Object!.Key);
        Assert.Equal("abc", record.S3.Object.ETag);
        Assert.Equal("media", record.S3.Bucket!.Name);
    }
}
