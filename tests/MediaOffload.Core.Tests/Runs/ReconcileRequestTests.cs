using System.Text.Json;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;

namespace MediaOffload.Core.Tests.Runs;

public sealed class ReconcileRequestTests
{
    [Theory]
    [InlineData("{\"action\":\"reconcile\"}")]
    [InlineData("{\"action\":\"backfill\",\"prefix\":\"2019/\",\"dryRun\":false,\"delete\":false}")]
    [InlineData("{\"action\":\"backfill\",\"prefix\":\"sites/3/2020/05\"}")]
    public void Problem_DocumentedShapes_IsNull(string json)
    {
        Assert.Null(ReconcileRequest.FromJson(System.Text.Encoding.UTF8.GetBytes(json))!.Problem());
    }

    [Theory]
    [InlineData("{\"action\":\"explode\"}", "action")]
    [InlineData("{}", "action")]
    [InlineData("{\"action\":\"backfill\",\"prefix\":\"../etc/\"}", "prefix")]
    [InlineData("{\"action\":\"backfill\",\"prefix\":\"/2019/\"}", "prefix")]
    public void Problem_BadRequest_NamesTheField(string json, string field)
    {
        Assert.StartsWith(field, ReconcileRequest.FromJson(System.Text.Encoding.UTF8.GetBytes(json))!.Problem());
    }

    [Theory]
    [InlineData("{\"action\":\"backfill\"}", false)]
    [InlineData("{\"action\":\"backfill\",\"delete\":true}", true)]
    [InlineData("{\"action\":\"backfill\",\"delete\":true,\"dryRun\":false}", false)]
    [InlineData("{\"action\":\"backfill\",\"dryRun\":true}", true)]
    public void IsDryRun_DestructiveWithoutExplicitFlag_DefaultsToDryRun(string json, bool expected)
    {
        Assert.Equal(expected, ReconcileRequest.FromJson(System.Text.Encoding.UTF8.GetBytes(json))!.IsDryRun);
    }

    [Fact]
    public void NewRunId_Request_NamesActionAndTimeAndDiffersPerRequest()
    {
        var at = new DateTimeOffset(2024, 11, 1, 10, 0, 0, TimeSpan.Zero);
        var a = new ReconcileRequest(ReconcileRequest.Backfill, "2019/").NewRunId(at);
        var b = new ReconcileRequest(ReconcileRequest.Backfill, "2020/").NewRunId(at);

        Assert.Matches("^backfill-20241101T100000Z-[0-9a-f]{8}$", a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void RunCheckpoint_JsonRoundTrip_KeepsProgress()
    {
        var state = RunCheckpoint.Start(new ReconcileRequest(ReconcileRequest.Reconcile), "scope", DateTimeOffset.UnixEpoch) with
        {
            Resume = new PlanResume("wp-content/uploads/2024/05/a.jpg", []),
            Done = new Dictionary<string, long> { ["Upload"] = 3 },
            Failures = [new ReconcileFailure("k", "Upload", "why")],
        };

        var back = RunCheckpoint.FromJson(state.ToJson())!;

        Assert.Equal(state.After, back.After);
        Assert.Equal(3, back.Done["Upload"]);
        Assert.Equal("why", back.Failures.Single().Reason);
        Assert.Equal(RunCheckpoint.KeyFor(state.RunId), $"checkpoints/{state.RunId}.json");
        Assert.Null(RunCheckpoint.FromJson("not json"u8));
    }
}
