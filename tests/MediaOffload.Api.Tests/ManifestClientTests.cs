using MediaOffload.Api.Offload;
using MediaOffload.Api.Reconcile;
using Microsoft.Extensions.DependencyInjection;

namespace MediaOffload.Api.Tests;

public sealed class ManifestClientTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private ManifestClient Client => _host.Services.GetRequiredService<ManifestClient>();

    [Fact]
    public async Task ManifestSource_ThreePages_ReturnsEveryFileInOrderWithSignedRequestsAndKnowsWhereToResume()
    {
        var files = Enumerable.Range(0, 7).Select(i => (object)new
        {
            path = $"2024/05/photo-{i}.jpg", size = 100 + i, md5 = new string((char)('a' + i), 32), mime = "image/jpeg",
            modified = "2024-05-01T10:00:00Z", attachmentId = 40 + i,
        }).ToList();
        _host.Origin.ServeManifest(files, pageSize: 3, ServiceHost.Secret);

        var planner = new MediaOffload.Core.Reconcile.PlannerOptions();
        var source = new ManifestSource(Client, _host.Services.GetRequiredService<MediaOffload.Core.Origins.UploadsLocations>(), planner, _host.Origin.BaseUrl, "", [], 3);
        var read = new List<string>();
        await foreach (var file in source.ReadAsync(null, CancellationToken.None))
        {
            read.Add(file.Path);
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"2024/05/photo-{i}.jpg"), read);
        Assert.Equal(3, _host.Origin.TotalHits); // one signed request per page
        // Once photo-4 is done, the page that holds photo-5 is where a resumed run reads from; before any, the start.
        Assert.Equal("3", source.CursorAfter(planner.KeyFor("2024/05/photo-4.jpg")));
        Assert.Equal("3", source.CursorAfter(planner.KeyFor("2024/05/photo-2.jpg")));
        Assert.Null(source.CursorAfter(planner.KeyFor("2024/05/photo-1.jpg")));
    }

    [Fact]
    public async Task GetPageAsync_SiteUsesAnotherSecret_FailsWith401()
    {
        _host.Origin.ServeManifest([], pageSize: 3, "a-different-secret-0123456789abcdef0123456789");

        var error = await Assert.ThrowsAsync<OffloadFailure>(() => Client.GetPageAsync(_host.Origin.BaseUrl, null, 3, CancellationToken.None));

        Assert.Contains("401", error.Message);
    }

    [Fact]
    public async Task GetPageAsync_SiteNotAllowed_RefusedWithoutARequest()
    {
        var error = await Assert.ThrowsAsync<OffloadFailure>(() => Client.GetPageAsync("https://elsewhere.example.org", null, 3, CancellationToken.None));

        Assert.Contains("not in AllowedOrigins", error.Message);
        Assert.Equal(0, _host.Origin.TotalHits);
    }
}
