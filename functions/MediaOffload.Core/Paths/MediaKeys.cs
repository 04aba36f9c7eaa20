using System.Text.RegularExpressions;

namespace MediaOffload.Core.Paths;

/// <summary>Maps WordPress paths to media-bucket keys and back (docs/keys.md).</summary>
public sealed partial class MediaKeys
{
    /// <summary>The default prefix, chosen so the CDN path equals the WordPress URL path.</summary>
    public const string DefaultPrefix = "wp-content/uploads";

    /// <param name="prefix">Key prefix without leading or trailing slash; empty puts media at the bucket root. Default <see cref="DefaultPrefix"/>.</param>
    public MediaKeys(string? prefix = DefaultPrefix)
    {
        Prefix = (prefix ?? string.Empty).Trim('/');
    }

    /// <summary>
    /// Null when <paramref name="prefix"/> may be a key prefix, else why not. The rule is the template's own pattern,
    /// <c>^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$</c>, with no <c>.</c> or <c>..</c> segment; the plugin applies the same
    /// one (docs/keys.md). The prefix ends up in CDN URLs and in HTML, so nothing else is allowed.
    /// </summary>
    public static string? CheckPrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return "is empty";
        }

        if (!PrefixPattern().IsMatch(prefix))
        {
            return "may hold only letters, digits, '.', '_', '-' and single slashes between segments";
        }

        return prefix.Split('/').Any(segment => segment is "." or "..") ? "has a '.' or '..' segment" : null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")]
    private static partial Regex PrefixPattern();

    /// <summary>The normalised prefix, without slashes at either end.</summary>
    public string Prefix { get; }

    /// <summary>The media key for a validated path: <c>{Prefix}/{path}</c>.</summary>
    public string KeyFor(MediaPath path) => Prefix.Length == 0 ? path.Value : $"{Prefix}/{path.Value}";

    /// <summary>The path a media key stands for, or null when the key lies outside the prefix or breaks the path rules.</summary>
    public MediaPath? PathOf(string key)
    {
        var relative = key;
        if (Prefix.Length > 0)
        {
            if (!key.StartsWith(Prefix + "/", StringComparison.Ordinal))
            {
                return null;
            }

            relative = key[(Prefix.Length + 1)..];
        }

        return MediaPath.TryParse(relative, out var path, out _) ? path : null;
    }
}
