using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Jobs;

namespace MediaOffload.Api.Tests;

public sealed class S3EventEndpointTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public async Task InitializeAsync() => _host = await ServiceHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}")]
    [InlineData("[]")]
    public async Task PostOffloadEvent_UnknownShape_Returns400AndLogs(string body)
    {
        var response = await _host.Http.PostAsync("/events/offload", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("Unrecognised event on /events/offload"));
    }

    [Fact]
    public async Task PostOffloadEvent_JobKeyWithHostileCharacters_DecodesKeyAndRunsEveryRecord()
    {
        var content = ServiceHost.FakeJpeg(4000, seed: 5);
        var path = "2024/10/Café a b+c&d 100% 日本.jpg";
        _host.Origin.Serve(path, content);
        var job = new OffloadJob("j-test", "attachment.uploaded", _host.Origin.BaseUrl, 7,
        [
            new JobFile(path, "wp-content/uploads/" + path, _host.Origin.UrlFor(path), content.Length, ServiceHost.Md5(content),
                MediaOffload.Core.Media.ObjectHeaderRules.ForOriginal(MediaOffload.Core.Media.MediaTypes.ForExtension("jpg")!, new MediaOffload.Core.Media.CachePolicy(), ServiceHost.Md5(content), DateTimeOffset.Parse("2024-05-01T10:00:00Z"), null)),
        ]);
        // A job key with the same awkward characters proves the notification key is decoded as S3 encodes it.
        var jobKey = "jobs/manual Café+1 100%.json";
        await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.ControlBucket, Key = jobKey, ContentBody = System.Text.Encoding.UTF8.GetString(OffloadJob.ToJson(job)) });
        var notification = new S3Notification(
        [
            S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.ControlBucket, jobKey),
            S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.ControlBucket, "checkpoints/not-a-job.json"),
        ]);
        Assert.Contains("manual+Caf%C3%A9%2B1+100%25.json", notification.Records![0].S3!.Object!.Key);

        var response = await _host.Http.PostAsJsonAsync("/events/offload", notification);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await response.Content.ReadFromJsonAsync<EventResponse>();
        Assert.Equal(2, outcome!.Records.Count);
        Assert.Equal(RecordStatus.Succeeded, outcome.Records[0].Status);
        Assert.Equal(jobKey, outcome.Records[0].Key);
        Assert.Equal(FileStatus.Uploaded, outcome.Records[0].Files!.Single().Status);
        Assert.Equal(RecordStatus.Ignored, outcome.Records[1].Status);
        Assert.Contains("wp-content/uploads/" + path, await _host.KeysAsync(_host.MediaBucket));
    }

    [Fact]
    public async Task PostOffloadEvent_JobWithFailingFile_Returns500WithOutcome()
    {
        var job = new OffloadJob("j-fail", "attachment.uploaded", _host.Origin.BaseUrl, 8,
        [
            new JobFile("2024/10/missing.jpg", "wp-content/uploads/2024/10/missing.jpg", _host.Origin.UrlFor("2024/10/missing.jpg"), 10,
                new string('a', 32), MediaOffload.Core.Media.ObjectHeaderRules.ForOriginal(MediaOffload.Core.Media.MediaTypes.ForExtension("jpg")!, new MediaOffload.Core.Media.CachePolicy(), new string('a', 32), null, null)),
        ]);
        await _host.S3.PutObjectAsync(new PutObjectRequest { BucketName = _host.ControlBucket, Key = "jobs/j-fail.json", ContentBody = System.Text.Encoding.UTF8.GetString(OffloadJob.ToJson(job)) });
        var notification = new S3Notification([S3NotificationFactory.Record(S3NotificationFactory.ObjectCreatedPut, _host.ControlBucket, "jobs/j-fail.json")]);

        var response = await _host.Http.PostAsJsonAsync("/events/offload", notification);

        Assert.Equal((HttpStatusCode)S3EventsApi.FailedStatus, response.StatusCode);
        var outcome = await response.Content.ReadFromJsonAsync<EventResponse>();
        var file = outcome!.Records.Single().Files!.Single();
        Assert.Equal(FileStatus.Failed, file.Status);
        Assert.Contains("404", file.Reason);
    }

    [Fact]
    public async Task GetHealthz_Running_ReturnsOk()
    {
        var response = await _host.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
