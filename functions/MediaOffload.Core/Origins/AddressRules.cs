using System.Net;
using System.Net.Sockets;

namespace MediaOffload.Core.Origins;

/// <summary>
/// Which resolved addresses the origin fetcher may connect to (docs/decisions.md, "Addresses"). Checked after DNS
/// resolution, on the address actually dialled, so a hostname that resolves to a private address cannot slip
/// through. Pure: tests call it on <see cref="IPAddress"/> values and never dial anything.
/// </summary>
public static class AddressRules
{
    private static readonly IPAddress[] Metadata =
    [
        IPAddress.Parse("169.254.169.254"), // EC2 instance metadata, and most other clouds
        IPAddress.Parse("169.254.170.2"), // ECS task credentials
        IPAddress.Parse("169.254.170.23"), // EKS Pod Identity agent
        IPAddress.Parse("fd00:ec2::254"), // EC2 instance metadata over IPv6
        IPAddress.Parse("fd00:ec2::23"), // EKS Pod Identity agent over IPv6
    ];

    /// <summary>
    /// Null when <paramref name="address"/> may be dialled, else why not. Cloud metadata and credential endpoints are
    /// refused even when <paramref name="allowPrivateNetworks"/> is true: no WordPress origin lives there, and they hold
    /// credentials. IPv6 forms that carry an IPv4 address are judged by that address; 6to4 and Teredo, which hand
    /// the traffic to a relay for an embedded address, are always refused.
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

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Embedded(address) is { } embedded)
        {
            if (embedded.Relayed)
            {
                return $"{address} is a {embedded.Form} address (tunnelled through a relay to {embedded.IPv4}); such addresses are never dialled";
            }

            return Check(embedded.IPv4, allowPrivateNetworks) is { } inner
                ? $"{address} is a {embedded.Form} address for {embedded.IPv4}, and {inner}"
                : null;
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        var category = Categorise(address);
        return category is null ? null : $"{address} is a {category} address";
    }

    private static bool IsMetadata(IPAddress a) => Metadata.Any(m => m.Equals(a));

    /// <summary>An IPv4 address carried inside an IPv6 one, the form's name, and whether a relay forwards it.</summary>
    private sealed record EmbeddedIPv4(IPAddress IPv4, string Form, bool Relayed);

    private static EmbeddedIPv4? Embedded(IPAddress a)
    {
        var b = a.GetAddressBytes();
        IPAddress V4(int offset, bool invert = false) =>
            new(invert ? [(byte)~b[offset], (byte)~b[offset + 1], (byte)~b[offset + 2], (byte)~b[offset + 3]] : b[offset..(offset + 4)]);
        bool Zero(int from, int to) => b[from..to].All(x => x == 0);

        // NAT64, RFC 6052 well-known prefix 64:ff9b::/96, and the local-use 64:ff9b:1::/48 of RFC 8215.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && (Zero(4, 12) || (b[4] == 0 && b[5] == 1)))
        {
            return new EmbeddedIPv4(V4(12), "NAT64", false);
        }

        // 6to4, 2002::/16: the IPv4 address is bits 16-47.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new EmbeddedIPv4(V4(2), "6to4", true);
        }

        // Teredo, 2001:0::/32: the server's IPv4 is bits 32-63, the client's the last 32 bits inverted.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        {
            return new EmbeddedIPv4(V4(12, invert: true), "Teredo", true);
        }

        // IPv4-translated (SIIT), ::ffff:0:a.b.c.d.
        if (Zero(0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        {
            return new EmbeddedIPv4(V4(12), "IPv4-translated", false);
        }

        // IPv4-compatible, ::a.b.c.d (deprecated); :: and ::1 are not IPv4 addresses.
        if (Zero(0, 12) && !(Zero(12, 15) && b[15] <= 1))
        {
            return new EmbeddedIPv4(V4(12), "IPv4-compatible", false);
        }

        return null;
    }

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
