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

    public sealed record SigningVector(string Name, string Version, string? Audience, string Secret, long Timestamp, string Method, string PathAndQuery, string Body, string Canonical, string Signature)
    {
        public SignatureVersion ParsedVersion => Version == "v2" ? SignatureVersion.V2 : SignatureVersion.V1;
    }

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
        foreach (var version in new[] { "v2", "v1" })
        {
            Assert.Contains($"{version}: empty body", names);
            Assert.Contains($"{version}: json body with non-ASCII characters", names);
            Assert.Contains($"{version}: path with a query string", names);
            Assert.Contains($"{version}: lower-case method is upper-cased", names);
        }

        Assert.Contains(Vectors.Value, v => v.Body.Any(c => c > 127));
        Assert.Contains(Vectors.Value, v => v.PathAndQuery.Contains('?'));
        Assert.Contains(Vectors.Value, v => v.Method.Any(char.IsLower));
        Assert.Contains(Vectors.Value, v => v.Audience == SigningAudience.Plugin);
        Assert.Contains(Vectors.Value, v => v.Audience == SigningAudience.Service);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Sign_Vector_MatchesPythonHmac(string name)
    {
        var v = Vector(name);
        Assert.Equal(v.Signature, RequestSigner.Sign(v.ParsedVersion, v.Secret, v.Audience ?? "", v.Timestamp, v.Method, v.PathAndQuery, Encoding.UTF8.GetBytes(v.Body)));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void CanonicalString_Vector_MatchesPython(string name)
    {
        var v = Vector(name);
        Assert.Equal(v.Canonical, RequestSigner.CanonicalString(v.ParsedVersion, v.Audience ?? "", v.Timestamp, v.Method, v.PathAndQuery, Encoding.UTF8.GetBytes(v.Body)));
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Verify_Vector_IsValidAtItsTimestampWhenItsVersionIsAccepted(string name)
    {
        var v = Vector(name);
        var audience = v.Audience ?? (v.PathAndQuery.StartsWith("/wp-json/", StringComparison.Ordinal) ? SigningAudience.Plugin : SigningAudience.Service);
        var result = RequestSigner.Verify([Secret, Rotated], audience, acceptV1: true, v.Timestamp.ToString(), v.Signature, v.Method, v.PathAndQuery,
            Encoding.UTF8.GetBytes(v.Body), DateTimeOffset.FromUnixTimeSeconds(v.Timestamp));
        Assert.Equal(SignatureCheck.Valid, result);
    }

    [Fact]
    public void Sign_AnyRequest_SendsVersion2()
    {
        Assert.StartsWith("v2=", RequestSigner.Sign(Secret, SigningAudience.Service, Ts, "POST", Path, Body), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Version2ForTheOtherAudience_ReturnsMismatch()
    {
        // A request the service sent to the plugin cannot be replayed against the service, and back.
        var toPlugin = RequestSigner.Sign(Secret, SigningAudience.Plugin, Ts, "POST", Path, Body);
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), toPlugin));
        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Secret], SigningAudience.Plugin, false, Ts.ToString(), toPlugin, "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_Version1WhenNotAccepted_ReturnsVersionRefused()
    {
        var v1 = RequestSigner.Sign(SignatureVersion.V1, Secret, "", Ts, "POST", Path, Body);
        Assert.Equal(SignatureCheck.VersionRefused, Check(Ts.ToString(), v1));
        Assert.Equal(SignatureCheck.Valid, Check(Ts.ToString(), v1, acceptV1: true));
    }

    [Fact]
    public void Verify_Version1SignedAsVersion2_ReturnsMismatch()
    {
        // The v1 MAC under a v2 label: the version is part of what is signed, so it cannot be relabelled.
        var v1 = RequestSigner.Sign(SignatureVersion.V1, Secret, "", Ts, "POST", Path, Body);
        Assert.Equal(SignatureCheck.Mismatch, Check(Ts.ToString(), "v2=" + v1[3..], acceptV1: true));
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
        Assert.Equal(SignatureCheck.Valid, Check(Ts.ToString(), "v2=" + signature[3..].ToUpperInvariant()));
    }

    [Theory]
    [InlineData(null, "v2=00")]
    [InlineData("", "v2=00")]
    [InlineData("1714557600", null)]
    [InlineData("1714557600", "")]
    [InlineData(null, null)]
    public void Verify_HeaderMissing_ReturnsMissing(string? timestamp, string? signature)
    {
        Assert.Equal(SignatureCheck.Missing, Check(timestamp, signature));
    }

    [Fact]
    public void Verify_WithoutVersionPrefix_ReturnsMalformed()
    {
        var signature = Sign();
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), signature[3..]));
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v3=" + signature[3..]));
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "V2=" + signature[3..]));
    }

    [Fact]
    public void Verify_BadHex_ReturnsMalformed()
    {
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v2=" + new string('z', 64)));
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v2=" + new string('a', 63)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void Verify_WrongLength_ReturnsMalformed(int bytes)
    {
        Assert.Equal(SignatureCheck.Malformed, Check(Ts.ToString(), "v2=" + new string('a', bytes * 2)));
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
        Assert.Equal(SignatureCheck.Mismatch, RequestSigner.Verify([], SigningAudience.Service, false, Ts.ToString(), Sign(), "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_SignedWithRotatedSecond_ReturnsValid()
    {
        var signature = Sign(secret: Rotated);
        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Secret, Rotated], SigningAudience.Service, false, Ts.ToString(), signature, "POST", Path, Body, Now));
        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Rotated, Secret], SigningAudience.Service, false, Ts.ToString(), signature, "POST", Path, Body, Now));
        Assert.Equal(SignatureCheck.Mismatch, RequestSigner.Verify([Secret], SigningAudience.Service, false, Ts.ToString(), signature, "POST", Path, Body, Now));
    }

    [Fact]
    public void Verify_WhichSecretSigned_NamesItsIndexOrMinusOne()
    {
        var signature = Sign(secret: Rotated);

        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Secret, Rotated], SigningAudience.Service, false, Ts.ToString(), signature, "POST", Path, Body, Now, out var second));
        Assert.Equal(SignatureCheck.Valid, RequestSigner.Verify([Rotated, Secret], SigningAudience.Service, false, Ts.ToString(), signature, "POST", Path, Body, Now, out var first));
        Assert.Equal(SignatureCheck.Mismatch, RequestSigner.Verify([Secret], SigningAudience.Service, false, Ts.ToString(), signature, "POST", Path, Body, Now, out var none));
        Assert.Equal((1, 0, -1), (second, first, none));
    }

    [Fact]
    public void Verify_LowerCaseMethod_MatchesUpperCaseSignature()
    {
        Assert.Equal(SignatureCheck.Valid, Check(Ts.ToString(), Sign(), method: "post"));
    }

    private static string Sign(string secret = Secret, long? timestamp = null) =>
        RequestSigner.Sign(secret, SigningAudience.Service, timestamp ?? Ts, "POST", Path, Body);

    private static SignatureCheck Check(string? timestamp, string? signature, string method = "POST", string path = Path, byte[]? body = null, bool acceptV1 = false) =>
        RequestSigner.Verify([Secret, Rotated], SigningAudience.Service, acceptV1, timestamp, signature, method, path, body ?? Body, Now);
}
