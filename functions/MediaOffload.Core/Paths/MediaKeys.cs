namespace MediaOffload.Core.Paths;

/// <summary>Maps WordPress paths to media-bucket keys and back (DESIGN §5 "Keys").</summary>
public sealed class MediaKeys
{
    /// <summary>The default prefix, chosen so the CDN path equals the WordPress URL path.</summary>
    public const string DefaultPrefix = "wp-content/uploads";

    /// <param name="prefix">Key prefix without leading or trailing slash; empty puts media at the bucket root. Default <see cref="DefaultPrefix"/>.</param>
    public MediaKeys(string? prefix = DefaultPrefix)
    {
        Prefix = (prefix ?? string.Empty).Trim('/');
    }

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
