namespace MediaOffload.Core.Sites;

/// <summary>What a signer may do for a site (docs/status.md, "Sites and their secrets"): the one rule every signed route asks.</summary>
public static class SiteRules
{
    /// <summary>
    /// Null when <paramref name="signer"/> may act for <paramref name="siteUrl"/> on <paramref name="paths"/>
    /// (uploads-relative), else why not. An unbound signer may act for every site; a bound one only for its own
    /// site and inside its key space.
    /// </summary>
    public static string? Forbidden(Signer signer, SiteDirectory sites, string siteUrl, IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(paths);
        if (signer.BoundTo is not { } site)
        {
            return null;
        }

        if (!signer.MayActFor(siteUrl))
        {
            return $"this request is signed with a secret bound to {site.Url}; it may not act for {siteUrl}";
        }

        var outside = paths.FirstOrDefault(p => !sites.InKeySpace(site, p));
        return outside is null ? null
            : $"{outside} is outside the key space of {site.Url} ({(site.KeySpace.Length == 0 ? "everything but the other sites' key spaces" : site.KeySpace + "/")})";
    }
}
