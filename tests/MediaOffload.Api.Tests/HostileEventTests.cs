using System.Net;
using System.Net.Http.Json;
using System.Text;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Signing;

namespace MediaOffload.Api.Tests;

/// <summary>Hostile input is refused with the right status, and nothing reaches either bucket.</summary>
public sealed class HostileEventTests : IAsyncLifetime
{
    private ServiceHost _host = null!;
    private byte[] _content = null!;

    public async Task InitializeAsync()
    {
        _host = await ServiceHost.StartAsync();
        _content = ServiceHost.FakeJpeg(2048, seed: 1);
        _host.Origin.Serve("2024/05/photo.jpg", _content);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private byte[] ValidEvent() => new EventBuilder(_host.Origin).File("2024/05/photo.jpg", _content).Build();

    [Fact]
    public async Task PostEvent_TamperedBody_Returns401AndWritesNothing()
    {
        var body = ValidEvent();
        var response = await _host.PostSignedAsync("/v1/events", body, tamper: r =>
        {
            var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"attachmentId\":42", "\"attachmentId\":43"));
            r.Content = new ByteArrayContent(tampered);
            r.Content.Headers.ContentType = new("application/json");
        });
        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PostEvent_WrongSecret_Returns401AndWritesNothing() =>
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", ValidEvent(), secret: "another-secret-0123456789abcdef0123456789"), HttpStatusCode.Unauthorized);

    [Fact]
    public async Task PostEvent_StaleTimestamp_Returns401AndWritesNothing() =>
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", ValidEvent(), timestamp: DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds()), HttpStatusCode.Unauthorized);

    [Fact]
    public async Task PostEvent_MissingSignature_Returns401AndWritesNothing() =>
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", ValidEvent(), tamper: r => r.Headers.Remove(RequestSigner.SignatureHeader)), HttpStatusCode.Unauthorized);

    [Fact]
    public async Task PostEvent_MalformedJson_Returns400AndWritesNothing() =>
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", Encoding.UTF8.GetBytes("{\"type\": \"attachment.uploaded\", \"files\": [")), HttpStatusCode.BadRequest);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostEvent_BodyOneByteOverTheCap_Returns413AndWritesNothing(bool chunked)
    {
        var over = new byte[1024 * 1024 + 1];
        Array.Fill(over, (byte)' ');
        var response = await _host.PostSignedAsync("/v1/events", over, tamper: r =>
        {
            if (chunked)
            {
                r.Content = new StreamContent(new MemoryStream(over));
                r.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                r.Headers.TransferEncodingChunked = true;
            }
        });
        await AssertRefusedAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task PostEvent_TwentyMegabyteBody_IsCutOffAndWritesNothing()
    {
        // The server's own limit is the largest endpoint cap, not Kestrel's 30 MB default: it answers 413 or closes the
        // connection while the client is still sending, and reads no more than the cap either way.
        var huge = new byte[20 * 1024 * 1024];
        Array.Fill(huge, (byte)' ');
        try
        {
            var response = await _host.PostSignedAsync("/v1/events", huge);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
        catch (HttpRequestException)
        {
        }

        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task PostEvent_PathEscapingUploads_Returns422AndWritesNothing()
    {
        var body = new EventBuilder(_host.Origin).File("../../wp-config.php", _content, url: _host.Origin.BaseUrl + "/wp-config.php").Build();
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", body), (HttpStatusCode)422);
    }

    [Fact]
    public async Task PostEvent_PhpFile_Returns422AndWritesNothing()
    {
        var body = new EventBuilder(_host.Origin).File("2024/05/shell.php", _content, mime: "application/x-php").Build();
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", body), (HttpStatusCode)422);
    }

    [Fact]
    public async Task PostEvent_UrlOnHostNotAllowed_Returns422AndWritesNothing()
    {
        var body = new EventBuilder(_host.Origin).File("2024/05/photo.jpg", _content, url: "https://evil.example.net/wp-content/uploads/2024/05/photo.jpg").Build();
        await AssertRefusedAsync(await _host.PostSignedAsync("/v1/events", body), (HttpStatusCode)422);
    }

    [Fact]
    public async Task Worker_JpgWhoseBytesArePhp_FailsWithReasonAndWritesNoMedia()
    {
        var php = Encoding.UTF8.GetBytes("<?php system($_GET['c']); ?>");
        _host.Origin.Serve("2024/05/innocent.jpg", php);
        var outcome = await RunJobAsync(new EventBuilder(_host.Origin).File("2024/05/innocent.jpg", php).Build());
        Assert.Contains("script", outcome.Reason);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Worker_RedirectToMetadataAddress_FailsAndWritesNoMedia()
    {
        _host.Origin.Redirect("2024/05/photo.jpg", "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
        var outcome = await RunJobAsync(ValidEvent());
        Assert.Contains("redirect", outcome.Reason);
        Assert.Contains("169.254.169.254", outcome.Reason);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Worker_SameOriginRedirect_IsFollowed()
    {
        _host.Origin.Serve("2024/05/moved.jpg", _content);
        _host.Origin.Redirect("2024/05/photo.jpg", _host.Origin.UrlFor("2024/05/moved.jpg"));
        var outcome = await RunJobAsync(ValidEvent());
        Assert.Equal(FileStatus.Uploaded, outcome.Status);
    }

    [Fact]
    public async Task Worker_OriginServesFewerBytesThanDeclared_FailsAndWritesNoMedia()
    {
        _host.Origin.Serve("2024/05/short.jpg", _content[..1000]);
        var outcome = await RunJobAsync(new EventBuilder(_host.Origin).File("2024/05/short.jpg", _content).Build());
        Assert.Contains("declared", outcome.Reason);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Worker_ChunkedOriginServesFewerBytesThanDeclared_FailsAndWritesNoMedia()
    {
        _host.Origin.Serve("2024/05/chunked.jpg", _content[..1000], chunked: true);
        var outcome = await RunJobAsync(new EventBuilder(_host.Origin).File("2024/05/chunked.jpg", _content).Build());
        Assert.Contains("1000 bytes", outcome.Reason);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Worker_Md5Mismatch_FailsAndWritesNoMedia()
    {
        var body = new EventBuilder(_host.Origin).File("2024/05/photo.jpg", _content, md5: new string('0', 32)).Build();
        var outcome = await RunJobAsync(body);
        Assert.Contains("MD5", outcome.Reason);
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task Worker_OriginFailsTwiceThenSucceeds_EndsOffloaded()
    {
        _host.Origin.Serve("2024/05/flaky.jpg", _content, failFirst: 2);
        var outcome = await RunJobAsync(new EventBuilder(_host.Origin).File("2024/05/flaky.jpg", _content).Build());
        Assert.Equal(FileStatus.Uploaded, outcome.Status);
        Assert.Equal(3, _host.Origin.Hits("2024/05/flaky.jpg"));
        Assert.Contains("wp-content/uploads/2024/05/flaky.jpg", await _host.KeysAsync(_host.MediaBucket));
    }

    private async Task<FileOutcome> RunJobAsync(byte[] body)
    {
        var response = await _host.PostSignedAsync("/v1/events", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<EventAccepted>();
        var delivery = await _host.Notifier.WaitForAsync(d => d.Key == $"jobs/{accepted!.JobId}.json", TimeSpan.FromSeconds(60));
        var record = delivery.Response.Records.Single();
        Assert.True(record.Files is not null, $"record {record.Status}: {record.Reason}");
        return record.Files.Single();
    }

    private async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingWrittenAsync();
    }

    /// <summary>No job, checkpoint or media object, and no fetch; a spent signature (nonces/) is all a signed request may leave.</summary>
    private async Task AssertNothingWrittenAsync()
    {
        Assert.DoesNotContain(await _host.KeysAsync(_host.ControlBucket), k => !k.StartsWith(NonceStore.KeyPrefix, StringComparison.Ordinal));
        Assert.Empty(await _host.KeysAsync(_host.MediaBucket));
        Assert.Equal(0, _host.Origin.TotalHits);
    }
}
