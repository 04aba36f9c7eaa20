using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace MediaOffload.Core.Media;

/// <summary>
/// The <c>Cache-Control</c> value for each type, and a version that changes whenever the effective table changes,
/// so reconcile can tell an object written under an older policy (stored as <c>x-amz-meta-cache-policy</c>).
/// </summary>
public sealed class CachePolicy
{
    /// <summary>WordPress never rewrites an uploaded file in place (edits get new names), so media is immutable.</summary>
    public const string LongLived = "public, max-age=31536000, immutable";

    private readonly FrozenDictionary<string, string> _byExtension;

    /// <param name="overrides">
    /// Optional per-extension (<c>"pdf"</c>) or per-kind (<c>"Document"</c>) <c>Cache-Control</c> values that replace
    /// the default <see cref="LongLived"/>; extension entries win over kind entries.
    /// </param>
    public CachePolicy(IReadOnlyDictionary<string, string>? overrides = null)
    {
        overrides ??= new Dictionary<string, string>();
        var byKind = Enum.GetValues<MediaKind>().ToDictionary(
            k => k,
            k => overrides.FirstOrDefault(o => string.Equals(o.Key, k.ToString(), StringComparison.OrdinalIgnoreCase)).Value ?? LongLived);

        _byExtension = MediaTypes.All.ToFrozenDictionary(
            t => t.Extension,
            t => overrides.FirstOrDefault(o => string.Equals(o.Key, t.Extension, StringComparison.OrdinalIgnoreCase)).Value ?? byKind[t.Kind],
            StringComparer.OrdinalIgnoreCase);

        Version = ComputeVersion(_byExtension);
    }

    /// <summary>
    /// Whether <paramref name="key"/> can name an override: an allowlisted extension (<c>jpg</c>) or a
    /// <see cref="MediaKind"/> (<c>Image</c>), in any case. Any other key would be ignored by the constructor.
    /// </summary>
    public static bool IsOverrideKey(string key) =>
        MediaTypes.ForExtension(key) is not null || Enum.GetNames<MediaKind>().Any(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>A short, stable fingerprint of the effective table, e.g. <c>p1-3f9a2c1d</c>.</summary>
    public string Version { get; }

    /// <summary>The <c>Cache-Control</c> value for an allowlisted type.</summary>
    public string For(MediaType type) => _byExtension[type.Extension];

    private static string ComputeVersion(FrozenDictionary<string, string> table)
    {
        var canonical = string.Join('\n', table.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
        return "p1-" + Convert.ToHexStringLower(hash.AsSpan(0, 4));
    }
}
