using System.Net;
using System.Net.Sockets;

namespace MediaOffload.Core.Origins;

/// <summary>
/// Which resolved addresses the origin fetcher may connect to (DESIGN §6). Checked after DNS resolution, on the
/// address actually dialled, so a hostname that resolves to a private address cannot slip through.
/// </summary>
public static class AddressRules
{
    /// <summary>
    /// Null when <paramref name="address"/> may be dialled, else why not. Cloud metadata endpoints are refused even
    /// when <paramref name="allowPrivateNetworks"/> is true: no WordPress origin lives there, and they hold credentials.
    /// </summary>
    public static string? Check(IPAddress address, bool allowPrivateNetworks)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IsMetadata(address))
        {
            return $"{address} is a cloud metadata address";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        var category = Categorise(address);
        return category is null ? null : $"{address} is a {category} address";
    }

    private static bool IsMetadata(IPAddress a) =>
        a.Equals(IPAddress.Parse("169.254.169.254")) // EC2 / most clouds
        || a.Equals(IPAddress.Parse("169.254.170.2")) // ECS task credentials
        || a.Equals(IPAddress.Parse("fd00:ec2::254")); // EC2 over IPv6

    private static string? Categorise(IPAddress a)
    {
        if (IPAddress.IsLoopback(a))
        {
            return "loopback";
        }

        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = a.GetAddressBytes();
            return (b[0], b[1]) switch
            {
                (0, _) => "unspecified",
                (10, _) => "private",
                (100, >= 64 and <= 127) => "carrier-grade NAT",
                (169, 254) => "link-local",
                (172, >= 16 and <= 31) => "private",
                (192, 168) => "private",
                (192, 0) when b[2] == 0 => "IETF protocol",
                (198, 18 or 19) => "benchmarking",
                (>= 224 and <= 239, _) => "multicast",
                (>= 240, _) => "reserved",
                _ => null,
            };
        }

        if (a.Equals(IPAddress.IPv6None) || a.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }

        if (a.IsIPv6LinkLocal || a.IsIPv6SiteLocal)
        {
            return "link-local";
        }

        if (a.IsIPv6Multicast)
        {
            return "multicast";
        }

        var first = a.GetAddressBytes()[0];
        return (first & 0xFE) == 0xFC ? "unique-local (private)" : null;
    }
}
