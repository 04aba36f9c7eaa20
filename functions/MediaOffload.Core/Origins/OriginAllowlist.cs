namespace MediaOffload.Core.Origins;

/// <summary>
/// The WordPress origins the service may fetch from (README, "Rules the service keeps"): exact scheme, host and port matches only, and
/// https unless plain http was allowed explicitly.
/// </summary>
public sealed class OriginAllowlist
{
    private readonly HashSet<string> _origins;

    /// <param name="baseUrls">Base URLs such as <c>https://blog.example.com</c>; paths are ignored.</param>
    /// <param name="allowHttp">Whether <c>http://</c> origins are acceptable. Default false.</param>
    public OriginAllowlist(IEnumerable<string> baseUrls, bool allowHttp = false)
    {
        AllowHttp = allowHttp;
        _origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var url in baseUrls)
        {
            if (TryGetOrigin(url, out var origin, out _))
            {
                _origins.Add(origin);
            }
        }
    }

    /// <summary>Whether plain http origins are acceptable.</summary>
    public bool AllowHttp { get; }

    /// <summary>
    /// Null when <paramref name="url"/> may be fetched, else the reason it may not. Checks the syntax, the scheme and
    /// the origin; address checks happen at connect time, after DNS resolution.
    /// </summary>
    public string? Check(string? url)
    {
        if (!TryGetOrigin(url, out var origin, out var error))
        {
            return error;
        }

        if (!AllowHttp && origin.StartsWith("http:", StringComparison.OrdinalIgnoreCase))
        {
            return "plain http is not allowed; use https or set AllowHttp";
        }

        return _origins.Contains(origin) ? null : $"origin {origin} is not in AllowedOrigins";
    }

    /// <summary>Whether two URLs share scheme, host and port: the only redirects the fetcher follows.</summary>
    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>The normalised <c>scheme://host:port</c> of an absolute http(s) URL without user info.</summary>
    public static bool TryGetOrigin(string? url, out string origin, out string error)
    {
        origin = string.Empty;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            error = "URL is not absolute";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"URL scheme '{uri.Scheme}' is not http or https";
            return false;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            error = "URL carries user info";
            return false;
        }

        origin = $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}".ToLowerInvariant();
        error = string.Empty;
        return true;
    }
}
