using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MediaOffload.Core.Signing;

/// <summary>
/// The request signature shared with the WordPress shim (DESIGN §5):
/// <c>v1=hex(HMAC-SHA256(secret, "{timestamp}\n{METHOD}\n{path}[?query]\n{hex sha256 of body}"))</c>.
/// </summary>
public static class RequestSigner
{
    /// <summary>Header carrying the Unix timestamp in seconds.</summary>
    public const string TimestampHeader = "X-MediaOffload-Timestamp";

    /// <summary>Header carrying <c>v1=&lt;hex&gt;</c>.</summary>
    public const string SignatureHeader = "X-MediaOffload-Signature";

    /// <summary>How far a timestamp may stray from the receiver's clock: 300 seconds.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromSeconds(300);

    private const string VersionPrefix = "v1=";

    /// <summary>The string that gets signed.</summary>
    public static string CanonicalString(long timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{timestamp}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{Convert.ToHexStringLower(SHA256.HashData(body))}");

    /// <summary>The value of <see cref="SignatureHeader"/> for a request.</summary>
    public static string Sign(string secret, long timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(CanonicalString(timestamp, method, pathAndQuery, body)));
        return VersionPrefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>
    /// Checks a request against every configured secret (so secrets can be rotated) in constant time per secret.
    /// </summary>
    public static SignatureCheck Verify(
        IReadOnlyList<string> secrets,
        string? timestampHeader,
        string? signatureHeader,
        string method,
        string pathAndQuery,
        ReadOnlySpan<byte> body,
        DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(timestampHeader) || string.IsNullOrEmpty(signatureHeader))
        {
            return SignatureCheck.Missing;
        }

        if (!long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || !signatureHeader.StartsWith(VersionPrefix, StringComparison.Ordinal))
        {
            return SignatureCheck.Malformed;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(signatureHeader.AsSpan(VersionPrefix.Length));
        }
        catch (FormatException)
        {
            return SignatureCheck.Malformed;
        }

        if (presented.Length != HMACSHA256.HashSizeInBytes)
        {
            return SignatureCheck.Malformed;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > AllowedSkew.TotalSeconds)
        {
            return SignatureCheck.Expired;
        }

        var canonical = Encoding.UTF8.GetBytes(CanonicalString(timestamp, method, pathAndQuery, body));
        var matched = false;
        foreach (var secret in secrets)
        {
            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), canonical);
            // No early exit: every secret costs the same whichever one matches.
            matched |= CryptographicOperations.FixedTimeEquals(expected, presented);
        }

        return matched ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }
}

/// <summary>The outcome of <see cref="RequestSigner.Verify"/>.</summary>
public enum SignatureCheck
{
    Valid,
    Missing,
    Malformed,
    Expired,
    Mismatch,
}
