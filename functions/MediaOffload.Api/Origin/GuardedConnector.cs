using System.Net;
using System.Net.Sockets;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Origins;

namespace MediaOffload.Api.Origin;

/// <summary>
/// Resolves the host itself and dials only addresses that <see cref="AddressRules"/> allows, so DNS tricks (a
/// public name resolving to 169.254.169.254 or 127.0.0.1) cannot reach what the host check alone would miss.
/// </summary>
internal static class GuardedConnector
{
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivateNetworks, IHostResolver resolver, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await resolver.ResolveAsync(endPoint.Host, cancellationToken);

        string? refusal = null;
        Exception? lastError = null;
        foreach (var address in addresses)
        {
            if (AddressRules.Check(address, allowPrivateNetworks) is { } reason)
            {
                refusal ??= reason;
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                lastError = e;
                if (e is OperationCanceledException)
                {
                    throw;
                }
            }
        }

        if (lastError is not null)
        {
            throw lastError;
        }

        throw new OffloadFailure($"refused to connect to {endPoint.Host}: {refusal ?? "no address"}");
    }
}
