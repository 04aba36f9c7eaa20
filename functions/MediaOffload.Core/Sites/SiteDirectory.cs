namespace MediaOffload.Core.Sites;

/// <summary>One WordPress site the service serves (docs/status.md, "Sites and their secrets").</summary>
/// <param name="Url">The site's home URL, e.g. <c>https://net.example.com/site2</c>.</param>
/// <param name="KeySpace">
/// Its part of the uploads key space, e.g. <c>sites/2</c>, with no leading or trailing slash; empty for the main site,
/// whose key space is everything the other sites' are not.
/// </param>
/// <param name="Secrets">The secrets bound to this site: they sign for it only. Default none.</param>
public sealed record Site(string Url, string KeySpace, IReadOnlyList<string> Secrets);

/// <summary>Who signed a request: a secret bound to one site, or an unbound secret, which signs for every site.</summary>
public sealed record Signer(Site? BoundTo)
{
    /// <summary>An unbound secret's signer.</summary>
    public static Signer Unbound { get; } = new((Site?)null);

    /// <summary>Whether this signer may act for, and see what belongs to, the site at <paramref name="siteUrl"/>.</summary>
    public bool MayActFor(string? siteUrl) =>
        BoundTo is null || (siteUrl is not null && SiteDirectory.SameSite(BoundTo.Url, siteUrl));
}

/// <summary>
/// The sites of one deployment, their key spaces and which secret signs for which (docs/status.md). Pure: built once
/// from the options and asked by the signed routes, the event rules and the reconciler.
/// </summary>
public sealed class SiteDirectory
{
    private readonly List<(string Secret, Signer Signer)> _secrets = [];

    /// <param name="sites">The configured sites; the main site (empty key space) is put first.</param>
    /// <param name="unboundSecrets">Secrets that sign for every site (<c>SigningSecrets</c>).</param>
    public SiteDirectory(IEnumerable<Site> sites, IEnumerable<string> unboundSecrets)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(unboundSecrets);
        Sites = sites.OrderBy(s => s.KeySpace.Length == 0 ? 0 : 1).ToList();
        foreach (var secret in unboundSecrets)
        {
            _secrets.Add((secret, Signer.Unbound));
        }

        foreach (var site in Sites)
        {
            var signer = new Signer(site);
            foreach (var secret in site.Secrets)
            {
                _secrets.Add((secret, signer));
            }
        }

        Secrets = _secrets.Select(s => s.Secret).ToList();
    }

    /// <summary>Every site, the main site first.</summary>
    public IReadOnlyList<Site> Sites { get; }

    /// <summary>Every secret a signed request may be signed with, in the order <see cref="SignerAt"/> numbers them.</summary>
    public IReadOnlyList<string> Secrets { get; }

    /// <summary>Who the secret at <paramref name="index"/> of <see cref="Secrets"/> signs for.</summary>
    public Signer SignerAt(int index) => _secrets[index].Signer;

    /// <summary>The site whose URL is <paramref name="siteUrl"/>, or null.</summary>
    public Site? Find(string? siteUrl) => siteUrl is null ? null : Sites.FirstOrDefault(s => SameSite(s.Url, siteUrl));

    /// <summary>The site whose URL is <paramref name="siteUrl"/>, else the main site: whom a request that names none is for.</summary>
    public Site FindOrMain(string? siteUrl) => Find(siteUrl) ?? Sites[0];

    /// <summary>The secret the service signs <paramref name="site"/>'s manifest requests with: its first bound one, else the first unbound one.</summary>
    public string SecretFor(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return site.Secrets.Count > 0 ? site.Secrets[0] : _secrets.First(s => s.Signer.BoundTo is null).Secret;
    }

    /// <summary>The key spaces of other sites inside <paramref name="site"/>'s, which its runs leave alone.</summary>
    public IReadOnlyList<string> ExcludedFrom(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        return Sites.Where(s => s != site && s.KeySpace.Length > 0 && Contains(site.KeySpace, s.KeySpace + "/"))
            .Select(s => s.KeySpace + "/").ToList();
    }

    /// <summary>Whether the uploads-relative <paramref name="path"/> is in <paramref name="site"/>'s key space.</summary>
    public bool InKeySpace(Site site, string path)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(path);
        return Contains(site.KeySpace, path) && !ExcludedFrom(site).Any(excluded => path.StartsWith(excluded, StringComparison.Ordinal));
    }

    /// <summary>
    /// Whether two site URLs name the same site: scheme and host compared without case, the path exactly, a trailing
    /// slash ignored.
    /// </summary>
    public static bool SameSite(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    private static bool Contains(string keySpace, string path) =>
        keySpace.Length == 0 || path.StartsWith(keySpace + "/", StringComparison.Ordinal);

    private static string Normalize(string url) =>
        Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)
            ? $"{uri.Scheme.ToLowerInvariant()}://{uri.Authority.ToLowerInvariant()}{uri.AbsolutePath.TrimEnd('/')}"
            : url.Trim().TrimEnd('/');
}
