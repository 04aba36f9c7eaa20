using System.Net;
using System.Net.Http.Json;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.RemoteCopies;

namespace MediaOffload.Api.Tests;

/// <summary>
/// <c>POST /v1/removal-checks</c> and <c>POST /v1/restores</c> (docs/remote-only.md) against moto: what the bucket
/// vouches for at the time of asking, and links that download the object's exact bytes.
/// </summary>
public sealed class RemoteCopyTests : IAsyncLifetime
{
    private const string SecondSecret = "second-site-secret-0123456789abcdef01234567";
    private ServiceHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync(settings =>
        {
            var origin = settings["Offload:AllowedOrigins:0"]!;
            settings["Offload:Sites:0:Url"] = origin + "/site2";
            settings["Offload:Sites:0:KeySpace"] = "sites/2";
            settings["Offload:Sites:0:SigningSecrets:0"] = SecondSecret;
            settings["Offload:Sites:1:Url"] = origin;
        });
        await SetVersioningAsync(VersionStatus.Enabled);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Check_ObjectWithTheFilesSizeAndMd5_Verified()
    {
        var bytes = ServiceHost.FakeJpeg(4000, seed: 1);
        await PutAsync("2024/05/kept.jpg", bytes);

        var answer = await CheckAsync(_host.Origin.BaseUrl, ("2024/05/kept.jpg", bytes.LongLength, ServiceHost.Md5(bytes)));

        Assert.True(answer.Versioned);
        var verdict = Assert.Single(answer.Files);
        Assert.Equal(("2024/05/kept.jpg", "wp-content/uploads/2024/05/kept.jpg", true, (string?)null), (verdict.Path, verdict.Key, verdict.Verified, verdict.Reason));
    }

    [Fact]
    public async Task Check_ObjectMissingOrDifferent_NotVerifiedWithTheReason()
    {
        var bytes = ServiceHost.FakeJpeg(4000, seed: 2);
        var other = ServiceHost.FakeJpeg(4000, seed: 3);
        await PutAsync("2024/05/changed.jpg", other);
        await PutAsync("2024/05/short.jpg", bytes[..100]);

        var answer = await CheckAsync(_host.Origin.BaseUrl,
            ("2024/05/missing.jpg", bytes.LongLength, ServiceHost.Md5(bytes)),
            ("2024/05/changed.jpg", bytes.LongLength, ServiceHost.Md5(bytes)),
            ("2024/05/short.jpg", bytes.LongLength, ServiceHost.Md5(bytes)));

        Assert.All(answer.Files, f => Assert.False(f.Verified));
        Assert.Equal(["no object at the key", "MD5 differs between the file and the object", "size differs: the file has 4000 B, the object 100 B"],
            answer.Files.Select(f => f.Reason));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Suspended")]
    public async Task Check_BucketNotVersioned_EveryFileRefused(string? status)
    {
        var bytes = ServiceHost.FakeJpeg(4000, seed: 4);
        await PutAsync("2024/05/fine.jpg", bytes);
        if (status is null)
        {
            // A bucket whose versioning was never turned on.
            var fresh = await _host.Moto.CreateBucketAsync("unversioned");
            await using var other = await ServiceHost.StartAsync(s => s["Offload:MediaBucket"] = fresh);
            using var client = _host.Moto.CreateClient();
            await client.PutObjectAsync(new PutObjectRequest { BucketName = fresh, Key = "wp-content/uploads/2024/05/fine.jpg", InputStream = new MemoryStream(bytes) });
            var refused = await CheckAsync(other, other.Origin.BaseUrl, ("2024/05/fine.jpg", bytes.LongLength, ServiceHost.Md5(bytes)));
            AssertRefusedAsUnversioned(refused);
            return;
        }

        await SetVersioningAsync(new VersionStatus(status));
        AssertRefusedAsUnversioned(await CheckAsync(_host.Origin.BaseUrl, ("2024/05/fine.jpg", bytes.LongLength, ServiceHost.Md5(bytes))));
    }

    [Theory]
    [InlineData("""{"site":"SITE","files":[{"path":"../wp-config.php","size":1,"md5":"0123456789abcdef0123456789abcdef"}]}""")]
    [InlineData("""{"site":"SITE","files":[{"path":"2024/05/a.jpg","size":1,"md5":"not-an-md5"}]}""")]
    [InlineData("""{"site":"SITE","files":[{"path":"2024/05/a.jpg","md5":"0123456789abcdef0123456789abcdef"}]}""")]
    [InlineData("""{"site":"SITE","files":[]}""")]
    [InlineData("""{"files":[{"path":"2024/05/a.jpg","size":1,"md5":"0123456789abcdef0123456789abcdef"}]}""")]
    [InlineData("""{"site":"https://elsewhere.example","files":[{"path":"2024/05/a.jpg","size":1,"md5":"0123456789abcdef0123456789abcdef"}]}""")]
    [InlineData("""{"site":"SITE","files":[null]}""")]
    [InlineData("""{"site":"SITE","files":""")]
    public async Task Check_MalformedRequest_400(string body)
    {
        var response = await _host.PostSignedAsync("/v1/removal-checks", ServiceHost.Utf8(body.Replace("SITE", _host.Origin.BaseUrl)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Check_MoreThanTheMostFilesPerRequest_400()
    {
        var files = Enumerable.Range(0, RemoteCopyRules.MaxFiles + 1).Select(i => ($"2024/05/{i}.jpg", 1L, new string('0', 32))).ToArray();

        var response = await _host.PostSignedAsync("/v1/removal-checks", CheckBody(_host.Origin.BaseUrl, files));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"at most {RemoteCopyRules.MaxFiles}", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("the main site", false, "sites/2/2024/05/a.jpg")]
    [InlineData("its own site, the main site's path", true, "2024/05/a.jpg")]
    public async Task Check_BoundSecretForAnotherSiteOrKeySpace_403(string why, bool forSecondSite, string path)
    {
        var site = forSecondSite ? _host.Origin.BaseUrl + "/site2" : _host.Origin.BaseUrl;

        var check = await _host.PostSignedAsync("/v1/removal-checks", CheckBody(site, (path, 1, new string('0', 32))), SecondSecret);
        var restore = await _host.PostSignedAsync("/v1/restores", RestoreBody(site, path), SecondSecret);

        Assert.True((check.StatusCode, restore.StatusCode) == (HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), why);
    }

    [Fact]
    public async Task Check_UnsignedOrWrongSecret_401()
    {
        var body = CheckBody(_host.Origin.BaseUrl, ("2024/05/a.jpg", 1, new string('0', 32)));

        var unsigned = await _host.Http.PostAsync("/v1/removal-checks", new ByteArrayContent(body));
        var wrong = await _host.PostSignedAsync("/v1/restores", RestoreBody(_host.Origin.BaseUrl, "2024/05/a.jpg"), "another-secret-0123456789abcdef0123456789abcdef");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (unsigned.StatusCode, wrong.StatusCode));
    }

    [Theory]
    [InlineData("sites/2/2024/05/back.jpg")]
    [InlineData("sites/2/2024/05/café au lait+1.jpg")]
    public async Task Restore_ObjectInTheBucket_LinkDownloadsItsExactBytes(string path)
    {
        var bytes = ServiceHost.FakeJpeg(70_000, seed: 5);
        await PutAsync(path, bytes);

        var response = await _host.PostSignedAsync("/v1/restores", RestoreBody(_host.Origin.BaseUrl + "/site2", path, "sites/2/2024/05/gone.jpg"), SecondSecret);
        response.EnsureSuccessStatusCode();
        var answer = (await response.Content.ReadFromJsonAsync<RestoreAnswer>())!;

        var found = answer.Files[0];
        Assert.Equal((true, bytes.LongLength, ServiceHost.Md5(bytes), 300), (found.Found, found.Size, found.Md5, found.ExpiresIn));
        using var download = new HttpClient();
        Assert.Equal(bytes, await download.GetByteArrayAsync(found.Url));
        var gone = answer.Files[1];
        Assert.Equal(("sites/2/2024/05/gone.jpg", false, (string?)null), (gone.Path, gone.Found, gone.Url));
    }

    private static void AssertRefusedAsUnversioned(RemovalCheckAnswer answer)
    {
        Assert.False(answer.Versioned);
        Assert.All(answer.Files, f => Assert.Equal((false, RemoteCopyRules.NotVersioned), (f.Verified, f.Reason)));
    }

    private Task<RemovalCheckAnswer> CheckAsync(string site, params (string Path, long Size, string Md5)[] files) => CheckAsync(_host, site, files);

    private static async Task<RemovalCheckAnswer> CheckAsync(ServiceHost host, string site, params (string Path, long Size, string Md5)[] files)
    {
        var response = await host.PostSignedAsync("/v1/removal-checks", CheckBody(site, files));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RemovalCheckAnswer>())!;
    }

    private static byte[] CheckBody(string site, params (string Path, long Size, string Md5)[] files) =>
        ServiceHost.Utf8(System.Text.Json.JsonSerializer.Serialize(new { site, files = files.Select(f => new { path = f.Path, size = f.Size, md5 = f.Md5 }) }));

    private static byte[] RestoreBody(string site, params string[] paths) =>
        ServiceHost.Utf8(System.Text.Json.JsonSerializer.Serialize(new { site, paths }));

    private async Task PutAsync(string path, byte[] bytes)
    {
        using var client = _host.Moto.CreateClient();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = _host.MediaBucket, Key = "wp-content/uploads/" + path, InputStream = new MemoryStream(bytes) });
    }

    private async Task SetVersioningAsync(VersionStatus status)
    {
        using var client = _host.Moto.CreateClient();
        await client.PutBucketVersioningAsync(new PutBucketVersioningRequest { BucketName = _host.MediaBucket, VersioningConfig = new S3BucketVersioningConfig { Status = status } });
    }
}
