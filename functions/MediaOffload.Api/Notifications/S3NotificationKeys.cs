using System.Net;
using System.Text;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// S3 notifications carry object keys form-URL-encoded: a space arrives as <c>+</c>, and a literal <c>+</c> as
/// <c>%2B</c>. Decoding with plain URL decoding would turn every <c>+</c> in a file name into a space.
/// </summary>
public static class S3NotificationKeys
{
    /// <summary>The object key as stored in the bucket.</summary>
    public static string Decode(string encoded) => WebUtility.UrlDecode(encoded);

    /// <summary>Encodes a key the way S3 does in notifications, keeping <c>/</c> as it is.</summary>
    public static string Encode(string key)
    {
        var sb = new StringBuilder(key.Length + 16);
        var segments = key.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
            {
                sb.Append('/');
            }

            // S3 encodes like Java's URLEncoder, which, unlike WebUtility, also escapes ! ( and ).
            sb.Append(WebUtility.UrlEncode(segments[i]).Replace("!", "%21").Replace("(", "%28").Replace(")", "%29"));
        }

        return sb.ToString();
    }
}
