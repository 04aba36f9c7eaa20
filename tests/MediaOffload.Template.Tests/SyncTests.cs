using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaOffload.Template.Tests;

/// <summary>The diagram, the sample events and env.json agree with the template.</summary>
public class SyncTests
{
    private static readonly JsonObject T = Templates.Main;

    [Fact]
    public void ArchitectureDiagram_TemplateResources_NamesEveryFunctionBucketQueueAndDistribution()
    {
        var doc = Templates.Read("README.md");
        Assert.Contains("```mermaid", doc);
        var types = new[]
        {
            "AWS::Serverless::Function", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::CloudFront::Distribution",
            "AWS::CloudFront::Function", "AWS::Serverless::HttpApi", "AWS::Serverless::Application",
        };
        foreach (var type in types)
        {
            foreach (var (id, _) in T.ResourcesOfType(type))
            {
                Assert.True(doc.Contains(id, StringComparison.Ordinal), $"README.md does not name {type} {id}");
            }
        }

        foreach (var id in new[] { "LoadBalancer", "WebAcl" })
        {
            Assert.Contains(id, doc);
        }
    }

    private static JsonObject EnvJson => JsonNode.Parse(Templates.Read("env.json"))!.AsObject();

    [Fact]
    public void EnvJson_Variables_AreDeclaredByTemplateAndPointAtLocalS3()
    {
        var global = T["Globals"]!["Function"]!["Environment"]!["Variables"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var (scope, values) in EnvJson)
        {
            Assert.True(scope == "Parameters" || (string?)T["Resources"]![scope]?["Type"] == "AWS::Serverless::Function", $"env.json scope {scope}");
            // A function's own scope may also set what only that function declares.
            var declared = scope == "Parameters"
                ? global
                : global.Concat(T.Props(scope)["Environment"]!["Variables"]!.AsObject().Select(p => p.Key)).ToHashSet();
            foreach (var (name, _) in values!.AsObject())
            {
                Assert.True(declared.Contains(name), $"sam local ignores {name} in {scope}: the template does not declare it there");
            }
        }

        var p = EnvJson["Parameters"]!;
        Assert.StartsWith("http://", (string?)p["Offload__S3__ServiceUrl"]);
        Assert.True(((string)p["Offload__SigningSecrets__0"]!).Length >= 32);
        Assert.NotEqual((string?)p["Offload__MediaBucket"], (string?)p["Offload__ControlBucket"]);
    }

    [Fact]
    public void EnvJson_FunctionRoles_AreTheTemplatesSoSamLocalMapsTheSameRoutes()
    {
        Assert.Null(EnvJson["Parameters"]!["Offload__Role"]); // one role for all would be wrong for three of them
        foreach (var (id, function) in T.ResourcesOfType("AWS::Serverless::Function"))
        {
            var role = (string?)function["Properties"]!["Environment"]!["Variables"]!["Offload__Role"];
            Assert.NotNull(role);
            Assert.Equal(role, (string?)EnvJson[id]?["Offload__Role"]);
        }
    }

    public static TheoryData<string> S3Events => new() { "offload-job-created.json", "variants-media-created.json", "variants-media-removed.json" };

    [Theory]
    [MemberData(nameof(S3Events))]
    public void S3SampleEvents_Records_AreNotificationsOnEnvJsonBuckets(string file)
    {
        var env = EnvJson["Parameters"]!;
        var records = JsonNode.Parse(Templates.Read("events/" + file))!["Records"]!.AsArray();
        Assert.NotEmpty(records);
        foreach (var r in records)
        {
            Assert.Equal("aws:s3", (string?)r!["eventSource"]);
            Assert.StartsWith("2.", (string?)r["eventVersion"]);
            Assert.Matches(@"^Object(Created|Removed):[A-Za-z]+$", (string?)r["eventName"]);
            Assert.True(DateTimeOffset.TryParse((string?)r["eventTime"], out _));
            var bucket = (string?)r["s3"]!["bucket"]!["name"];
            Assert.Equal($"arn:aws:s3:::{bucket}", (string?)r["s3"]!["bucket"]!["arn"]);
            var key = (string)r["s3"]!["object"]!["key"]!;
            Assert.DoesNotContain(" ", key); // S3 sends keys form-URL-encoded
            if (file.StartsWith("offload", StringComparison.Ordinal))
            {
                Assert.Equal((string?)env["Offload__ControlBucket"], bucket);
                Assert.Equal("jobs/j-0123456789abcdef0123456789abcdef.json", key);
            }
            else
            {
                Assert.Equal((string?)env["Offload__MediaBucket"], bucket);
                Assert.StartsWith((string?)env["Offload__KeyPrefix"] + "/", key);
                Assert.Contains("+", key);
                Assert.Matches(@"\.(jpe?g|png|gif)$", key.ToLowerInvariant());
            }
        }
    }

    [Fact]
    public void ReconcilerSampleEvents_Content_AreScheduleInputAndBackfillInvoke()
    {
        var scheduled = Templates.Read("events/reconciler-schedule.json").Trim();
        var schedule = (string?)T.Props("Reconciler")["Events"]!["Nightly"]!["Properties"]!["Input"];
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(schedule!), JsonNode.Parse(scheduled)));

        var backfill = JsonNode.Parse(Templates.Read("events/reconciler-backfill.json"))!;
        Assert.Equal("backfill", (string?)backfill["action"]);
        Assert.Equal("2019/", (string?)backfill["prefix"]);
        Assert.Equal(JsonValueKind.False, backfill["dryRun"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, backfill["delete"]!.GetValueKind());
    }

    [Fact]
    public void HttpApiSampleEvents_Requests_ArePayloadV2OnRoutesTheApiHas()
    {
        var routes = T.Props("Api")["Events"]!.AsObject()
            .Select(e => $"{(string?)e.Value!["Properties"]!["Method"]} {(string?)e.Value["Properties"]!["Path"]}").ToHashSet();
        foreach (var file in new[] { "api-events-post.json", "api-healthz.json" })
        {
            var e = JsonNode.Parse(Templates.Read("events/" + file))!;
            Assert.Equal("2.0", (string?)e["version"]);
            Assert.Contains((string)e["routeKey"]!, routes);
            Assert.Equal((string?)e["rawPath"], (string?)e["requestContext"]!["http"]!["path"]);
        }

        var post = JsonNode.Parse(Templates.Read("events/api-events-post.json"))!;
        var body = JsonNode.Parse((string)post["body"]!)!;
        Assert.Equal("attachment.uploaded", (string?)body["type"]);
        Assert.NotNull(post["headers"]!["x-mediaoffload-signature"]);
    }

    [Fact]
    public void SampleEvents_EventsFolder_AreExactlyTheKnownFiles()
    {
        var files = Directory.GetFiles(Templates.PathOf("events"), "*.json").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(
            ["api-events-post.json", "api-healthz.json", "offload-job-created.json", "reconciler-backfill.json",
             "reconciler-schedule.json", "variants-media-created.json", "variants-media-removed.json"],
            files);
    }
}
