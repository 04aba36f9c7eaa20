using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Origins;

/// <summary>
/// Where each allowed site serves its uploads, e.g. <c>https://blog.example.com/wp-content/uploads</c>. A file's URL
/// must be exactly that base plus the file's path, so a signed event cannot point the worker at another file of the
/// site (<c>/wp-config.php</c>, <c>/x.phtml/…</c>, <c>/wp-json/…</c>) while naming an image path.
/// </summary>
public sealed class UploadsLocations
{
    /// <summary>The uploads folder below a site's base URL when none is configured: <c>/wp-content/uploads</c>.</summary>
    public const string DefaultUploadsPath = "/wp-content/uploads";

    // Script extensions a web server may run even in the middle of a path (PATH_INFO), checked on every segment.
    private static readonly string[] ScriptExtensions = [".php", ".phtml", ".phar", ".pht", ".php3", ".php4", ".php5", ".php7", ".phps"];

    private readonly Dictionary<string, List<string[]>> _bases = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="siteUrls">The sites' base URLs (<c>AllowedOrigins</c>); each gets <see cref="DefaultUploadsPath"/> below its path.</param>
    /// <param name="uploadsUrls">
    /// Uploads base URLs that replace the default for their origin, e.g. <c>https://blog.example.com/media</c>.
    /// Default none.
    /// </param>
    public UploadsLocations(IEnumerable<string> siteUrls, IEnumerable<string>? uploadsUrls = null)
    {
        var configured = (uploadsUrls ?? []).Where(u => !string.IsNullOrWhiteSpace(u)).ToList();
        foreach (var url in configured)
        {
            Add(url);
        }

        // Every site of an origin gets its own default base, so the sites of a subdirectory network
        // (https://net/wp-content/uploads and https://net/site2/wp-content/uploads) all serve theirs; a configured
        // base replaces the defaults of its origin.
        var configuredOrigins = _bases.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var site in siteUrls)
        {
            if (OriginAllowlist.TryGetOrigin(site, out var origin, out _) && !configuredOrigins.Contains(origin))
            {
                Add(site.TrimEnd('/') + DefaultUploadsPath);
            }
        }
    }

    /// <summary>Null when <paramref name="url"/> is a usable uploads base URL, else why not (for start-up validation).</summary>
    public static string? CheckBaseUrl(string url) =>
        !OriginAllowlist.TryGetOrigin(url, out _, out var error) ? error
        : new Uri(url) is { Query.Length: > 0 } or { Fragment.Length: > 0 } ? "has a query or fragment"
        : Segments(new Uri(url)) is null ? "has an empty, '.', '..' or encoded-slash segment"
        : null;

    /// <summary>
    /// Null when <paramref name="url"/> names <paramref name="path"/> below its site's uploads base, else why not.
    /// <paramref name="onDiskPath"/> receives the path as the URL spells it, percent-decoded: the file's name on disk,
    /// which may differ from the NFC <paramref name="path"/> (docs/keys.md).
    /// </summary>
    public string? CheckFileUrl(string url, MediaPath path, out string onDiskPath)
    {
        onDiskPath = string.Empty;
        if (!OriginAllowlist.TryGetOrigin(url, out var origin, out var error))
        {
            return error;
        }

        var uri = new Uri(url);
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return "has a query or fragment; it must be the uploads base URL plus the file's path";
        }

        if (Segments(uri) is not { } segments)
        {
            return "has an empty, '.', '..' or encoded-slash segment";
        }

        if (segments.Any(s => ScriptExtensions.Any(x => s.EndsWith(x, StringComparison.OrdinalIgnoreCase))))
        {
            return "has a segment that names a PHP script";
        }

        foreach (var basePath in _bases.TryGetValue(origin, out var list) ? list : [])
        {
            if (segments.Length <= basePath.Length || !segments.AsSpan(0, basePath.Length).SequenceEqual(basePath))
            {
                continue;
            }

            var rest = string.Join('/', segments[basePath.Length..]);
            if (rest.Normalize(System.Text.NormalizationForm.FormC) != path.Value)
            {
                return "does not name the file's path below the uploads base URL";
            }

            onDiskPath = rest;
            return null;
        }

        return "is not below the site's uploads base URL";
    }

    /// <summary>
    /// The URL of <paramref name="onDiskPath"/> on <paramref name="site"/>: its first uploads base plus the path,
    /// percent-encoded per segment as WordPress does. Null when the site is not known.
    /// </summary>
    public string? FileUrl(string site, string onDiskPath)
    {
        if (!OriginAllowlist.TryGetOrigin(site, out var origin, out _) || !_bases.TryGetValue(origin, out var list))
        {
            return null;
        }

        var uri = new Uri(site);
        // The site's own base when the origin has several (a network's sites): its default one if listed, else the
        // nearest below its path, else the origin's first.
        var sitePath = Segments(new Uri(site.TrimEnd('/') + "/x")) is { } segments ? segments[..^1] : [];
        string[] defaultBase = [.. sitePath, .. DefaultUploadsPath.Split('/', StringSplitOptions.RemoveEmptyEntries)];
        var own = list.FirstOrDefault(b => b.SequenceEqual(defaultBase))
            ?? list.Where(b => b.Length > sitePath.Length && b.AsSpan(0, sitePath.Length).SequenceEqual(sitePath)).MinBy(b => b.Length)
            ?? list[0];
        var basePath = string.Concat(own.Select(s => "/" + Uri.EscapeDataString(s)));
        return $"{uri.GetLeftPart(UriPartial.Authority)}{basePath}/{string.Join('/', onDiskPath.Split('/').Select(Uri.EscapeDataString))}";
    }

    private void Add(string url)
    {
        if (!OriginAllowlist.TryGetOrigin(url, out var origin, out _) || Segments(new Uri(url)) is not { } segments)
        {
            return;
        }

        if (!_bases.TryGetValue(origin, out var list))
        {
            _bases[origin] = list = [];
        }

        if (!list.Any(existing => existing.SequenceEqual(segments)))
        {
            list.Add(segments);
        }
    }

    /// <summary>
    /// The decoded path segments as the URL spells them, or null when one is empty, a dot segment (plain or
    /// percent-encoded) or hides a slash or backslash. Read from the original string: <see cref="Uri"/> would already
    /// have resolved <c>..</c> and <c>%2e%2e</c>, and the URL must equal the base plus the path as written.
    /// </summary>
    private static string[]? Segments(Uri uri)
    {
        var original = uri.OriginalString;
        var authority = original.IndexOf("://", StringComparison.Ordinal) + 3;
        var start = original.IndexOf('/', authority);
        var end = original.IndexOfAny(['?', '#'], authority);
        if (start < 0 || (end >= 0 && end < start))
        {
            return [];
        }

        var raw = original[(start + 1)..(end < 0 ? original.Length : end)];
        if (raw.EndsWith('/'))
        {
            raw = raw[..^1];
        }
        if (raw.Length == 0)
        {
            return [];
        }

        var segments = raw.Split('/').Select(Uri.UnescapeDataString).ToArray();
        return segments.Any(s => s.Length == 0 || s is "." or ".." || s.Contains('/') || s.Contains('\\') || s.Any(char.IsControl))
            ? null
            : segments;
    }
}
