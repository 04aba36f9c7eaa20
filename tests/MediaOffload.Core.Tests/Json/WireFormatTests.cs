using System.Text;
using MediaOffload.Core.Events;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Manifest;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Tests.Json;

/// <summary>
/// Pins the bytes of every JSON format Core writes or reads: the checkpoint, the report, the state file, job objects,
/// events and manifest pages. These are stored in buckets and files between versions, or sent by the plugin, so a
/// serializer change must not move a single field name (the expected texts were captured before the source-generated
/// contexts replaced reflection).
/// </summary>
public sealed class WireFormatTests
{
    private static readonly DateTimeOffset At = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private static ReconcileRequest Request() => new(ReconcileRequest.Backfill, "2019/", DryRun: false, Delete: true);

    internal static RunCheckpoint Checkpoint()
    {
        var source = new SourceEntry("2024/05/a.jpg", 12, "0123456789abcdef0123456789abcdef", At)
        {
            Owner = new KeyOwner(42, "ab"),
            Url = "https://blog.example.com/wp-content/uploads/2024/05/a.jpg",
        };
        return new RunCheckpoint
        {
            RunId = "backfill-20240501T100000Z-00000000",
            Scope = "s3://media/wp-content/uploads/ <- manifest",
            Request = Request(),
            StartedAt = At,
            Invocation = 2,
            Resume = new PlanResume("wp-content/uploads/2024/05/a.jpg",
                [new PendingVariant("wp-content/uploads/2024/05/a.jpg.webp", "wp-content/uploads/2024/05/a.jpg", source, "\"etag\"", At, PlanAction.Upload)]),
            SourceCursor = "c2",
            Planned = new Dictionary<string, long> { ["Upload"] = 3 },
            Done = new Dictionary<string, long> { ["Upload"] = 1 },
            Settled = new Dictionary<string, long> { ["Skip"] = 1 },
            BytesPlanned = 36,
            BytesDone = 12,
            Listed = 5,
            Orphans = 1,
            PendingDeletes = [new PendingDelete("wp-content/uploads/old.jpg", "\"e1\"")],
            DeleteRefused = null,
            Failures = [new ReconcileFailure("k", "Upload", "boom")],
            FailureCount = 1,
            Skipped = [new ReconcileSkip("s", "why")],
            Plan = [new PlannedStep("Upload", "k", "missing")],
            Requests = new Dictionary<string, long> { ["LIST"] = 1 },
            SourceFailures = 0,
            UpdatedAt = At,
        };
    }

    private static ReconcileReport Report() => new()
    {
        Command = "sync",
        Bucket = "media",
        Prefix = "wp-content/uploads",
        Source = "/var/www/uploads",
        DryRun = true,
        ResumedAfter = null,
        StartedAt = At,
        FinishedAt = At.AddSeconds(3),
        Planned = new Dictionary<string, long> { ["Upload"] = 2 },
        Done = new Dictionary<string, long>(),
        BytesPlanned = 10,
        BytesDone = 0,
        Requests = new Dictionary<string, long> { ["LIST"] = 1 },
        DeleteRefused = "cap",
        Failures = [new ReconcileFailure("k", "Upload", "boom")],
        FailureCount = 1,
        Skipped = [new ReconcileSkip("s", "why")],
        Drift = 2,
        Plan = [new PlannedStep("Upload", "k", "missing")],
    };

    private const string CheckpointJson =
        """{"version":2,"runId":"backfill-20240501T100000Z-00000000","scope":"s3://media/wp-content/uploads/ \u003C- manifest","request":{"action":"backfill","prefix":"2019/","dryRun":false,"delete":true,"force":false,"batchManifest":false},"startedAt":"2024-05-01T10:00:00+00:00","invocation":2,"resume":{"After":"wp-content/uploads/2024/05/a.jpg","Pending":[{"Key":"wp-content/uploads/2024/05/a.jpg.webp","SourceKey":"wp-content/uploads/2024/05/a.jpg","Source":{"Path":"2024/05/a.jpg","Size":12,"Md5":"0123456789abcdef0123456789abcdef","Modified":"2024-05-01T10:00:00+00:00","Rejection":null,"Owner":{"attachmentId":42,"sourceName":"ab"},"Url":"https://blog.example.com/wp-content/uploads/2024/05/a.jpg","HoldsKey":false},"SourceETag":"\u0022etag\u0022","SourceModified":"2024-05-01T10:00:00+00:00","SourceAction":1,"Held":false}]},"sourceCursor":"c2","planned":{"Upload":3},"done":{"Upload":1},"settled":{"Skip":1},"bytesPlanned":36,"bytesDone":12,"listed":5,"orphans":1,"pendingDeletes":[{"key":"wp-content/uploads/old.jpg","etag":"\u0022e1\u0022"}],"deleteRefused":null,"failures":[{"key":"k","action":"Upload","reason":"boom"}],"failureCount":1,"skipped":[{"key":"s","reason":"why"}],"plan":[{"action":"Upload","key":"k","reason":"missing"}],"requests":{"LIST":1},"sourceFailures":0,"updatedAt":"2024-05-01T10:00:00+00:00"}""";

    private const string ReportJson =
        """
        {
          "version": 1,
          "command": "sync",
          "bucket": "media",
          "prefix": "wp-content/uploads",
          "source": "/var/www/uploads",
          "dryRun": true,
          "resumedAfter": null,
          "startedAt": "2024-05-01T10:00:00+00:00",
          "finishedAt": "2024-05-01T10:00:03+00:00",
          "planned": {
            "Upload": 2
          },
          "done": {},
          "bytesPlanned": 10,
          "bytesDone": 0,
          "requests": {
            "LIST": 1
          },
          "deleteRefused": "cap",
          "failures": [
            {
              "key": "k",
              "action": "Upload",
              "reason": "boom"
            }
          ],
          "failureCount": 1,
          "skipped": [
            {
              "key": "s",
              "reason": "why"
            }
          ],
          "drift": 2,
          "plan": [
            {
              "action": "Upload",
              "key": "k",
              "reason": "missing"
            }
          ],
          "inSync": false
        }
        """;

    [Fact]
    public void CheckpointToJson_FullCheckpoint_WritesThePinnedBytes()
    {
        Assert.Equal(CheckpointJson, Encoding.UTF8.GetString(Checkpoint().ToJson()));
    }

    [Fact]
    public void CheckpointFromJson_PinnedBytes_RoundTripsEveryField()
    {
        var read = RunCheckpoint.FromJson(Encoding.UTF8.GetBytes(CheckpointJson));

        Assert.NotNull(read);
        Assert.Equal(CheckpointJson, Encoding.UTF8.GetString(read.ToJson()));
        Assert.Equal("wp-content/uploads/2024/05/a.jpg", read.After);
        Assert.Equal(PlanAction.Upload, read.Resume!.Pending[0].SourceAction);
        Assert.Equal(42, read.Resume.Pending[0].Source.Owner!.AttachmentId);
        Assert.True(read.Request.Delete);
    }

    [Fact]
    public void CheckpointFromJson_OtherVersion_IsNull()
    {
        Assert.Null(RunCheckpoint.FromJson(Encoding.UTF8.GetBytes(CheckpointJson.Replace("\"version\":2", "\"version\":1"))));
    }

    [Fact]
    public void ReportToJson_FullReport_WritesThePinnedIndentedText()
    {
        Assert.Equal(ReportJson.ReplaceLineEndings("\n"), Report().ToJson().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void ReportFromJson_PinnedText_RoundTrips()
    {
        var read = ReconcileReport.FromJson(ReportJson);

        Assert.NotNull(read);
        Assert.Equal(2, read.Drift);
        Assert.Equal("cap", read.DeleteRefused);
        Assert.Equal(ReportJson.ReplaceLineEndings("\n"), read.ToJson().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void ReportToJson_NoPlan_LeavesThePlanOut()
    {
        Assert.DoesNotContain("\"plan\"", (Report() with { Plan = null }).ToJson());
    }

    [Fact]
    public async Task SyncStateWrite_Entries_WritesPinnedLinesAndLeavesNullsOut()
    {
        var state = SyncState.Empty();
        state.RecordLocal("wp-content/uploads/a.jpg", 12, 638500000000000000, "0123456789abcdef0123456789abcdef");
        state.RecordObject("wp-content/uploads/a.jpg", "\"e1\"", At,
            new ObjectHeaders("image/jpeg", "public, max-age=31536000, immutable", new Dictionary<string, string> { ["source-md5"] = "x" }));
        state.RecordRejection("wp-content/uploads/b.png", "ffff", "pixel bomb");

        using var output = new MemoryStream();
        await state.WriteAsync(output, CancellationToken.None);
        var text = Encoding.UTF8.GetString(output.ToArray());

        Assert.Equal(
            "wp-content/uploads/a.jpg\t{\"s\":12,\"m\":638500000000000000,\"h\":\"0123456789abcdef0123456789abcdef\",\"e\":\"\\u0022e1\\u0022\",\"l\":\"2024-05-01T10:00:00+00:00\",\"ct\":\"image/jpeg\",\"cc\":\"public, max-age=31536000, immutable\",\"md\":{\"source-md5\":\"x\"}}\n"
            + "wp-content/uploads/b.png\t{\"s\":0,\"m\":0,\"h\":\"ffff\",\"r\":\"pixel bomb\"}\n",
            text.ReplaceLineEndings("\n"));

        output.Position = 0;
        var read = await SyncState.ReadAsync(output, CancellationToken.None);
        Assert.Equal("pixel bomb", read.RejectionFor("wp-content/uploads/b.png", "ffff"));
        Assert.Equal("image/jpeg", read.Get("wp-content/uploads/a.jpg")!.ContentType);
    }

    [Fact]
    public void OffloadJob_Serialized_KeepsTheJobObjectNames()
    {
        var job = new OffloadJob("j-1", MediaEventTypes.Uploaded, "https://blog.example.com", 42,
            [new JobFile("2024/05/a.jpg", "wp-content/uploads/2024/05/a.jpg", "https://blog.example.com/wp-content/uploads/2024/05/a.jpg", 12, "ab",
                new ObjectHeaders("image/jpeg", "public", new Dictionary<string, string> { ["source-md5"] = "ab" }), new KeyOwner(42, "cd"))]);
        const string expected =
            """{"jobId":"j-1","type":"attachment.uploaded","site":"https://blog.example.com","attachmentId":42,"files":[{"path":"2024/05/a.jpg","key":"wp-content/uploads/2024/05/a.jpg","url":"https://blog.example.com/wp-content/uploads/2024/05/a.jpg","size":12,"md5":"ab","headers":{"ContentType":"image/jpeg","CacheControl":"public","Metadata":{"source-md5":"ab"}},"owner":{"attachmentId":42,"sourceName":"cd"}}],"fromManifest":false}""";

        Assert.Equal(expected, Encoding.UTF8.GetString(OffloadJob.ToJson(job)));
        Assert.Equal(expected, Encoding.UTF8.GetString(OffloadJob.ToJson(OffloadJob.FromJson(Encoding.UTF8.GetBytes(expected))!)));
    }

    [Fact]
    public void MediaEventFromJson_PluginBody_ReadsEveryField()
    {
        const string body =
            """{"type":"attachment.uploaded","site":"https://blog.example.com","attachmentId":42,"files":[{"path":"2024/05/photo.jpg","url":"https://blog.example.com/wp-content/uploads/2024/05/photo.jpg","size":345503,"md5":"0123456789abcdef0123456789abcdef","mime":"image/jpeg","modified":"2024-05-01T10:00:00Z"}]}""";

        var evt = MediaEvent.FromJson(Encoding.UTF8.GetBytes(body))!;

        Assert.Equal(MediaEventTypes.Uploaded, evt.Type);
        Assert.Equal(42, evt.AttachmentId);
        var file = Assert.Single(evt.Files!)!;
        Assert.Equal(("2024/05/photo.jpg", 345503L, "0123456789abcdef0123456789abcdef", "image/jpeg", At),
            (file.Path, file.Size!.Value, file.Md5, file.Mime, file.Modified!.Value));
    }

    [Fact]
    public void MediaEventFromJson_WebStyleBody_IsReadLikeTheWebDefaults()
    {
        // The endpoint has always read events with the web defaults: names in any case, numbers in strings.
        var evt = MediaEvent.FromJson("""{"Type":"attachment.deleted","ATTACHMENTID":"7","files":[]}"""u8.ToArray())!;

        Assert.Equal((MediaEventTypes.Deleted, 7L), (evt.Type, evt.AttachmentId!.Value));
    }

    [Fact]
    public void ManifestPageFromJson_PluginPage_ReadsEveryField()
    {
        const string page =
            """{"files":[{"path":"2024/05/a.jpg","size":12,"md5":"ab","mime":"image/jpeg","modified":"2024-05-01T10:00:00+00:00","attachmentId":42,"url":"https://blog.example.com/wp-content/uploads/2024/05/a.jpg"}],"nextCursor":"c2"}""";

        var read = ManifestPage.FromJson(Encoding.UTF8.GetBytes(page))!;

        Assert.Equal("c2", read.NextCursor);
        var file = Assert.Single(read.Files!);
        Assert.Equal(new ManifestFile("2024/05/a.jpg", 12, "ab", "image/jpeg", At, 42, "https://blog.example.com/wp-content/uploads/2024/05/a.jpg"), file);
    }

    [Fact]
    public void ReconcileRequestFromJson_DocumentedBody_ReadsEveryField()
    {
        var read = ReconcileRequest.FromJson("""{"action":"backfill","prefix":"2019/","dryRun":false,"delete":true,"force":true,"batchManifest":true}"""u8.ToArray());

        Assert.Equal(new ReconcileRequest(ReconcileRequest.Backfill, "2019/", false, true, true, true), read);
    }
}
