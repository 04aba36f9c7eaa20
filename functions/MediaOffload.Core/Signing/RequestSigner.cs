using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MediaOffload.Core.Signing;

/// <summary>Who receives a signed request; version 2 signs it, so a request cannot be turned around (docs/signing.md).</summary>
public static class SigningAudience
{
    /// <summary>Requests to the service: <c>/v1/*</c>.</summary>
    public const string Service = "service";

    /// <summary>Requests to the plugin's routes, such as the manifest.</summary>
    public const string Plugin = "plugin";
}

/// <summary>The signature versions a receiver can meet.</summary>
public enum SignatureVersion
{
    /// <summary><c>v1=</c>: no audience; accepted only while a rotation setting allows it.</summary>
    V1,

    /// <summary><c>v2=</c>: the audience is signed. What both sides send.</summary>
    V2,
}

/// <summary>
/// The request signature shared with the WordPress plugin (docs/signing.md). Version 2, which both sides send:
/// <c>v2=hex(HMAC-SHA256(secret, "v2\n{audience}\n{timestamp}\n{METHOD}\n{path}[?query]\n{hex sha256 of body}"))</c>.
/// Version 1 drops the first two lines and is accepted only when the receiver allows it.
/// </summary>
public static class RequestSigner
{
    /// <summary>Header carrying the Unix timestamp in seconds.</summary>
    public const string TimestampHeader = "X-MediaOffload-Timestamp";

    /// <summary>Header carrying <c>v2=&lt;hex&gt;</c> (or <c>v1=&lt;hex&gt;</c>).</summary>
    public const string SignatureHeader = "X-MediaOffload-Signature";

    /// <summary>How far a timestamp may stray from the receiver's clock: 300 seconds.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromSeconds(300);

    /// <summary>The string that gets signed; <paramref name="audience"/> is ignored for <see cref="SignatureVersion.V1"/>.</summary>
    public static string CanonicalString(SignatureVersion version, string audience, long timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var rest = string.Create(CultureInfo.InvariantCulture,
            $"{timestamp}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{Convert.ToHexStringLower(SHA256.HashData(body))}");
        return version == SignatureVersion.V2 ? $"v2\n{audience}\n{rest}" : rest;
    }

    /// <summary>The value of <see cref="SignatureHeader"/> for a request to <paramref name="audience"/>: always version 2.</summary>
    public static string Sign(string secret, string audience, long timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        Sign(SignatureVersion.V2, secret, audience, timestamp, method, pathAndQuery, body);

    /// <summary>A signature of either version; senders use <see cref="Sign(string, string, long, string, string, ReadOnlySpan{byte})"/>.</summary>
    public static string Sign(SignatureVersion version, string secret, string audience, long timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        Prefix(version) + Convert.ToHexStringLower(Mac(secret, CanonicalString(version, audience, timestamp, method, pathAndQuery, body)));

    /// <summary>
    /// Checks a request to <paramref name="audience"/> against every configured secret (so secrets can be rotated)
    /// in constant time per secret. A <c>v1=</c> signature is refused with <see cref="SignatureCheck.VersionRefused"/>
    /// unless <paramref name="acceptV1"/>.
    /// </summary>
    public static SignatureCheck Verify(
        IReadOnlyList<string> secrets,
        string audience,
        bool acceptV1,
        string? timestampHeader,
        string? signatureHeader,
        string method,
        string pathAndQuery,
        ReadOnlySpan<byte> body,
        DateTimeOffset now) =>
        Verify(secrets, audience, acceptV1, timestampHeader, signatureHeader, method, pathAndQuery, body, now, out _);

    /// <summary>
    /// As <see cref="Verify(IReadOnlyList{string}, string, bool, string?, string?, string, string, ReadOnlySpan{byte}, DateTimeOffset)"/>,
    /// and names which secret signed: <paramref name="matchedSecret"/> is its index in <paramref name="secrets"/> when
    /// the check is <see cref="SignatureCheck.Valid"/>, else -1. A secret bound to one site signs only for it
    /// (docs/status.md, "Sites and their secrets").
    /// </summary>
    public static SignatureCheck Verify(
        IReadOnlyList<string> secrets,
        string audience,
        bool acceptV1,
        string? timestampHeader,
        string? signatureHeader,
        string method,
        string pathAndQuery,
        ReadOnlySpan<byte> body,
        DateTimeOffset now,
        out int matchedSecret)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        matchedSecret = -1;
        if (string.IsNullOrEmpty(timestampHeader) || string.IsNullOrEmpty(signatureHeader))
        {
            return SignatureCheck.Missing;
        }

        SignatureVersion version;
        if (signatureHeader.StartsWith(Prefix(SignatureVersion.V2), StringComparison.Ordinal))
        {
            version = SignatureVersion.V2;
        }
        else if (signatureHeader.StartsWith(Prefix(SignatureVersion.V1), StringComparison.Ordinal))
        {
            version = SignatureVersion.V1;
        }
        else
        {
            return SignatureCheck.Malformed;
        }

        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return SignatureCheck.Malformed;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signatureHeader.AsSpan(3));
        }
        catch (FormatException)
        {
            return SignatureCheck.Malformed;
        }

        if (presented.Length != HMACSHA256.HashSizeInBytes)
        {
            return SignatureCheck.Malformed;
        }

        if (version == SignatureVersion.V1 && !acceptV1)
        {
            return SignatureCheck.VersionRefused;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > AllowedSkew.TotalSeconds)
        {
            return SignatureCheck.Expired;
        }

        var canonical = CanonicalString(version, audience, timestamp, method, pathAndQuery, body);
        for (var i = 0; i < secrets.Count; i++)
        {
            // No early exit: every secret costs the same whichever one matches.
            if (CryptographicOperations.FixedTimeEquals(Mac(secrets[i], canonical), presented) && matchedSecret < 0)
            {
                matchedSecret = i;
            }
        }

        return matchedSecret >= 0 ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    private static string Prefix(SignatureVersion version) => version == SignatureVersion.V2 ? "v2=" : "v1=";

    private static byte[] Mac(string secret, string canonical) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical));
}

/// <summary>The outcome of <c>RequestSigner.Verify</c>.</summary>
public enum SignatureCheck
{
    Valid,
    Missing,
    Malformed,
    Expired,
    Mismatch,

    /// <summary>A well-formed <c>v1=</c> signature while version 1 is not accepted.</summary>
    VersionRefused,
}
