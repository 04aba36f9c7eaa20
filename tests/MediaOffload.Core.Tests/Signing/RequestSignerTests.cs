using System.Text;
using System.Text.Json;
using MediaOffload.Core.Signing;

namespace MediaOffload.Core.Tests.Signing;

public sealed class RequestSignerTests
{
    private const string Secret = "s3cr3t-for-tests-only";
    private const string Rotated = "second-secret-after-rotation";
    private const string Path = "/v1/events";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"type\":\"attachment.uploaded\",\"path\":\"Café.jpg\"}");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_714_557_600);
    private static readonly long Ts = Now.ToUnixTimeSeconds();

    public sealed record SigningVector(string Name, string Secret, long Timestamp, string Method, string PathAndQuery, string Body, string Canonical, string Signature);

    private sealed record VectorFile(string Description, SigningVector[] Vectors);

    private static readonly Lazy<SigningVector[]> Vectors = new(() =>
    {
        var json = File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "vectors", "signing.json"));
        return JsonSerializer.Deserialize<VectorFile>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Vectors;
    });

    public static TheoryData<string> VectorNames => new(Vectors.Value.Select(v => v.Name));

    private static SigningVector Vector(string name) => Vectors.Value.Single(v => v.Name == name);

    [Fact]
    public void Vectors_File_HoldsTheRequiredCases()
    {
        var names = Vectors.Value.Select(v => v.Name).ToList();
        Assert.Contains("empty body", names);
        Assert.Contains("json body with non-ASCII characters", names);
        Assert.Contains("path with a query string", names);
        Assert.Contains("lower-case method is upper-cased", names);
        Assert.Contains(Vectors.Value, v => v.Body.Any(c => c > 127));
        Assert.Contains(Vectors.Value, v => v.PathAndQuery.Contains('?'));
        Assert.Contains(Vectors.Value, v => v.Method.Any(char.IsLower));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Sign_Vector_MatchesPythonHmac(string name)
    {
        var v = Vector(name);
        Assert.Equal(v.Signature, RequestSigner.Sign(v.Secret, v.Timestamp, v.Method, v.PathAndQuery, Encoding.UTF8.GetBytes(v.Body)));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void CanonicalString_Vector_MatchesPython(string name)
    {
        var v = Vector(name);
        Assert.Equal(v.Canonical, RequestSigner.CanonicalString(v.Timestamp, v.Method, v.PathAndQuery, Encoding.UTF8.GetBytes(v.Body)));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Verify_Vector_IsValidAtItsTimestamp(string name)
    {
        var v = Vector(name);
        var result = RequestSigner.Verify([Secret, Rotated], v.Timestamp.ToString(), v.Signature, v.Method, v.PathAndQuery,
            Encoding.UTF8.GetBytes(v.Body), DateTimeOffset.FromUnixTimeSeconds(v.Timestamp));
        Assert.Equal(SignatureCheck.Valid, result);
    }

    [Fact]
    public void Verify_ValidSignature_ReturnsValid()
    {
        Assert.Equal(SignatureCheck.Valid, Check(Ts.ToString(), Sign()));
    }

    [Fact]
    public void Verify_UpperCaseHex_ReturnsValid()
    {
        var signature = Sign();
        Assert.Equal(SignatureCheck.Valid, Check(Ts.ToString(), "v1=" + signature[3..].ToUpperInvariant()));
    }

    [Theory]
    [InlineData(null, "v1=00")]
    [InlineData("", "v1=00")]
    [InlineData("1714557600", null)]
    [InlineData("1714557600", "")]
    [InlineData(null, null)]
    public void Verify_HeaderMissing_ReturnsMissing(string? timestamp, string? signature)
    {
        Assert.Equal(SignatureCheck.Missing, Check(timestamp, signature));
    }

    [Fact]
    public void Verify_WithoutV1Prefix_ReturnsMalformed()
    {
        var signature = Sign();
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), signature[3..]));
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v2=" + signature[3..]));
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "V1=" + signature[3..]));
    }

    [Fact]
    public void Verify_BadHex_ReturnsMalformed()
    {
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v1=" + new string('z', 64)));
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v1=" + new string('a', 63)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void Verify_WrongLength_ReturnsMalformed(int bytes)
    {
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v1=" + new string('a', bytes * 2)));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1714557600.0")]
    [InlineData("-1714557600")]
    [InlineData("+1714557600")]
    [InlineData(" 1714557600")]
    [InlineData("1e9")]
    [InlineData("99999999999999999999")]
    public void Verify_NonNumericTimestamp_ReturnsMalformed(string timestamp)
    {
        Assert.Equal(SignatureCheck.Malformed, Check(timestamp, Sign()));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    [InlineData(86_400)]
    [InlineData(-86_400)]
    public void Verify_TimestampOutsideSkew_ReturnsExpired(int offsetSeconds)
    {
        var ts = Ts + offsetSeconds;
        Assert.Equal(SignatureCheck.Expired, Check(ts.ToString(), Sign(timestamp: ts)));
    }

    [Theory]
    [InlineData(299)]
    [InlineData(-299)]
    [InlineData(300)]
    [InlineData(-300)]
    public void Verify_TimestampWithinSkew_ReturnsValid(int offsetSeconds)
    {
        var ts = Ts + offsetSeconds;
        Assert.Equal(SignatureCheck.Valid, Check(ts.ToString(), Sign(timestamp: ts)));
    }

    [Fact]
    public void Verify_TamperedBody_ReturnsMismatch()
    {
        var tampered = Encoding.UTF8.GetBytes("{\"type\":\"attachment.uploaded\",\"path\":\"Cafe.jpg\"}");
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), Sign(), body: tampered));
    }

    [Fact]
    public void Verify_TamperedPath_ReturnsMismatch()
    {
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), Sign(), path: "/v1/backfill"));
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), Sign(), path: Path + "?x=1"));
    }

    [Fact]
    public void Verify_TamperedMethod_ReturnsMismatch()
    {
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), Sign(), method: "PUT"));
    }

    [Fact]
    public void Verify_TamperedTimestamp_ReturnsMismatch()
    {
        Assert.Equal(SignatureCheck.Mismatch, Check((Ts + 1).ToString(), Sign()));
    }

    [Fact]
    public void Verify_WrongSecret_ReturnsMismatch()
    {
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), Sign(secret: "not-the-secret")));
    }

    [Fact]
    public void Verify_NoSecretsConfigured_ReturnsMismatch()
    {
        Assert.Equal(SignatureCheck.Mismatch, RequestSigner.Verify([], Ts.ToString(), Sign(), "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_SignedWithRotatedSecond_ReturnsValid()
    {
        var signature = Sign(secret: Rotated);
        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Secret, Rotated], Ts.ToString(), signature, "POST", Path, Body, Now));
        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Rotated, Secret], Ts.ToString(), signature, "POST", Path, Body, Now));
        Assert.Equal(SignatureCheck.Mismatch, RequestSigner.Verify([Secret], Ts.ToString(), signature, "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_LowerCaseMethod_MatchesUpperCaseSignature()
    {
        Assert.Equal(SignatureCheck.Valid, Check(Ts.ToString(), Sign(), method: "post"));
    }

    private static string Sign(string secret = Secret, long? timestamp = null) =>
        RequestSigner.Sign(secret, timestamp ?? Ts, "POST", Path, Body);

    private static SignatureCheck Check(string? timestamp, string? signature, string method = "POST", string path = Path, byte[]? body = null) =>
        RequestSigner.Verify([Secret, Rotated], timestamp, signature, method, path, body ?? Body, Now);
}
