using System.Net;

namespace MediaOffload.Api.Origin;

/// <summary>
/// Resolves an origin's host name to the addresses the fetcher may then check and dial. Replaceable, so tests can
/// resolve a name to a refused address and prove the refusal without ever dialling it.
/// </summary>
public interface IHostResolver
{
    ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

/// <summary>The system resolver.</summary>
public sealed class DnsHostResolver : IHostResolver
{
    public async ValueTask<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        await Dns.GetHostAddressesAsync(host, cancellationToken);
}
