using System.Net;
using MediaOffload.Core.Origins;

namespace MediaOffload.Core.Tests.Origins;

public sealed class AddressRulesTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.1.2.3", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("10.255.255.255", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.1.10", "private")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.254", "carrier-grade NAT")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("fd00:ec2::254", "metadata")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:169.254.169.254", "metadata")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    public void Check_NonPublicAddress_Refused(string address, string category)
    {
        var error = AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: false);
        Assert.NotNull(error);
        Assert.Contains(category, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1")]
    [InlineData("2a00:1450:4001::200e")]
    [InlineData("::ffff:93.184.216.34")]
    public void Check_PublicAddress_Allowed(string address)
    {
        Assert.Null(AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: false));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.10")]
    [InlineData("169.254.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("93.184.216.34")]
    public void Check_PrivateAllowed_PrivateAddressAllowed(string address)
    {
        Assert.Null(AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: true));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.170.2")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:169.254.169.254")]
    public void Check_PrivateAllowed_MetadataStillRefused(string address)
    {
        var error = AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: true);
        Assert.NotNull(error);
        Assert.Contains("metadata", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("169.254.170.23")]
    [InlineData("fd00:ec2::23")]
    [InlineData("64:ff9b::169.254.169.254")]
    [InlineData("64:ff9b::169.254.170.23")]
    [InlineData("::ffff:0:169.254.169.254")]
    [InlineData("::169.254.169.254")]
    public void Check_CredentialEndpointInAnyForm_RefusedEvenWithPrivateNetworks(string address)
    {
        var error = AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: true);
        Assert.NotNull(error);
        Assert.Contains("metadata", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("64:ff9b::7f00:1", "NAT64", "127.0.0.1")]
    [InlineData("64:ff9b::10.1.2.3", "NAT64", "10.1.2.3")]
    [InlineData("64:ff9b:1::192.168.0.1", "NAT64", "192.168.0.1")]
    [InlineData("::ffff:0:10.0.0.1", "IPv4-translated", "10.0.0.1")]
    [InlineData("::127.0.0.1", "IPv4-compatible", "127.0.0.1")]
    [InlineData("::10.0.0.1", "IPv4-compatible", "10.0.0.1")]
    public void Check_EmbeddedPrivateIPv4_RefusedByTheIPv4Rule(string address, string form, string embedded)
    {
        var error = AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: false);
        Assert.NotNull(error);
        Assert.Contains(form, error, StringComparison.Ordinal);
        Assert.Contains(embedded, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("64:ff9b::93.184.216.34")]
    [InlineData("::ffff:0:93.184.216.34")]
    public void Check_EmbeddedPublicIPv4_Allowed(string address)
    {
        // DNS64 in an IPv6-only VPC gives public IPv4-only sites such addresses: they must keep working.
        Assert.Null(AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: false));
    }

    [Theory]
    [InlineData("2002:5db8:d822::1", "6to4", "93.184.216.34")]
    [InlineData("2002:7f00:1::1", "6to4", "127.0.0.1")]
    [InlineData("2002:a9fe:a9fe::1", "6to4", "169.254.169.254")]
    [InlineData("2001:0:4136:e378:8000:63bf:a247:2bcb", "Teredo", "93.184.212.52")]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo", "127.0.0.1")]
    public void Check_RelayedForm_AlwaysRefusedNamingTheEmbeddedIPv4(string address, string form, string embedded)
    {
        foreach (var allowPrivate in new[] { false, true })
        {
            var error = AddressRules.Check(IPAddress.Parse(address), allowPrivate);
            Assert.NotNull(error);
            Assert.Contains(form, error, StringComparison.Ordinal);
            Assert.Contains(embedded, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("2001:db8::1")]
    [InlineData("2001:4860:4860::8888")]
    public void Check_NeighboursOfTeredo_NotTakenForTeredo(string address)
    {
        // 2001::/32 is Teredo; the rest of 2001::/16 is ordinary unicast space.
        Assert.Null(AddressRules.Check(IPAddress.Parse(address), allowPrivateNetworks: false));
    }
}
