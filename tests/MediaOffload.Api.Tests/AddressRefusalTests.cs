using System.Net;
using System.Net.Http.Json;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Origin;
using Microsoft.Extensions.DependencyInjection;

namespace MediaOffload.Api.Tests;

/// <summary>
/// The address rules inside the real fetcher, with private networks allowed, through a resolver that maps a test name
/// to a refused address. Nothing here is ever dialled: the connector refuses before it opens a socket.
/// </summary>
public sealed class AddressRefusalTests
{
    [Theory]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("169.254.170.23", "cloud metadata")]
    [InlineData("fd00:ec2::23", "cloud metadata")]
    [InlineData("64:ff9b::a9fe:a9fe", "cloud metadata")]
    [InlineData("2002:a9fe:a9fe::1", "6to4")]
    public async Task Worker_NameResolvingToARefusedAddress_FailsWithThatRuleAndWritesNothing(string address, string rule)
    {
        var resolver = new FixedResolver("metadata.test", IPAddress.Parse(address));
        await using var host = await ServiceHost.StartAsync(
            s => s["Offload:AllowedOrigins:1"] = "http://metadata.test:8080",
            services: services => services.AddSingleton<IHostResolver>(resolver));
        var content = ServiceHost.FakeJpeg(1000, seed: 1);
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "attachment.uploaded",
            site = "http://metadata.test:8080",
            attachmentId = 5,
            files = new[] { new { path = "2024/05/a.jpg", url = "http://metadata.test:8080/wp-content/uploads/2024/05/a.jpg", size = content.Length, md5 = ServiceHost.Md5(content), mime = "image/jpeg" } },
        });

        var accepted = await host.PostSignedAsync("/v1/events", body);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var jobId = (await accepted.Content.ReadFromJsonAsync<EventAccepted>())!.JobId;
        var delivery = await host.Notifier.WaitForAsync(d => d.Key == $"jobs/{jobId}.json", TimeSpan.FromSeconds(30));

        var file = delivery.Response.Records.Single().Files!.Single();
        Assert.Equal(FileStatus.Failed, file.Status);
        Assert.Contains(rule, file.Reason, StringComparison.Ordinal);
        Assert.True(resolver.Calls > 0, "the name was never resolved, so the rule was not what refused it");
        Assert.Empty(await host.KeysAsync(host.MediaBucket));
    }

    private sealed class FixedResolver(string host, IPAddress address) : IHostResolver
    {
        private int _calls;

        public int Calls => _calls;

        public ValueTask<IPAddress[]> ResolveAsync(string name, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(name == host ? new[] { address } : throw new System.Net.Sockets.SocketException(11001));
        }
    }
}
