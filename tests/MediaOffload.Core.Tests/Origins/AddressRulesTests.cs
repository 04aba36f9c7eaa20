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
}
