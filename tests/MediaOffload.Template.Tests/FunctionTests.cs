using System.Text.Json.Nodes;

namespace MediaOffload.Template.Tests;

public class FunctionTests
{
    private static readonly JsonObject T = Templates.Main;

    public static TheoryData<string, string> PassThroughPaths => new()
    {
        { "OffloadWorker", "/events/offload" },
        { "Variants", "/events/variants" },
        { "Reconciler", "/events/reconcile" },
    };

    /// <summary>
    /// The routes the app maps for each value of <c>Offload__Role</c> (the service's contract; <c>local</c>, which
    /// maps everything, is for local runs only).
    /// </summary>
    private static readonly Dictionary<string, string[]> RoleRoutes = new()
    {
        ["api"] = ["/v1/*", "/healthz"],
        ["offload"] = ["/events/offload", "/healthz"],
        ["variants"] = ["/events/variants"],
        ["reconcile"] = ["/events/reconcile"],
    };

    public static TheoryData<string, string> FunctionRoles => new()
    {
        { "Api", "api" },
        { "OffloadWorker", "offload" },
        { "Variants", "variants" },
        { "Reconciler", "reconcile" },
    };

    private static JsonObject Env(string function) => T.Props(function)["Environment"]!["Variables"]!.AsObject();

    [Fact]
    public void Functions_Declared_AreExactlyFourRolesFromOneImage()
    {
        var functions = T.ResourcesOfType("AWS::Serverless::Function").ToList();
        Assert.Equal(["Api", "OffloadWorker", "Reconciler", "Variants"], functions.Select(f => f.Key).Order());
        foreach (var (id, f) in functions)
        {
            Assert.Equal("Image", (string?)f["Properties"]!["PackageType"]);
            Assert.Equal("infra/Dockerfile", (string?)f["Metadata"]!["Dockerfile"]);
            Assert.Equal(".", (string?)f["Metadata"]!["DockerContext"]);
            Assert.NotNull(f["Properties"]!["MemorySize"]);
            Assert.NotNull(f["Properties"]!["Timeout"]);
            Assert.NotNull(f["Properties"]!["ReservedConcurrentExecutions"]);
        }

    }

    [Theory]
    [MemberData(nameof(PassThroughPaths))]
    public void Function_PassThroughPath_IsItsOwnEventPath(string function, string path)
    {
        Assert.Equal(path, (string?)Env(function)["AWS_LWA_PASS_THROUGH_PATH"]);
    }

    [Theory]
    [MemberData(nameof(FunctionRoles))]
    public void Function_Role_MapsExactlyTheRouteItsEventsArriveOn(string function, string role)
    {
        var env = Env(function);
        Assert.Equal(role, (string?)env["Offload__Role"]);
        var routes = RoleRoutes[role];
        var eventRoute = routes.SingleOrDefault(r => r.StartsWith("/events/", StringComparison.Ordinal));
        var passThrough = (string?)env["AWS_LWA_PASS_THROUGH_PATH"];
        if (eventRoute is null)
        {
            // The API role maps no event route, so no pass-through path: a non-HTTP event reaching this function
            // lands on the adapter's default path, which this role does not map.
            Assert.Null(passThrough);
            var httpRoutes = T.Props(function)["Events"]!.AsObject().Select(e => (string)e.Value!["Properties"]!["Path"]!).ToList();
            Assert.NotEmpty(httpRoutes);
            Assert.All(httpRoutes, path => Assert.Contains(routes, r => r == path || (r.EndsWith("/*", StringComparison.Ordinal) && path.StartsWith(r[..^1], StringComparison.Ordinal))));
        }
        else
        {
            Assert.Equal(eventRoute, passThrough);
        }
    }

    [Fact]
    public void FunctionRoles_Template_GivesEachFunctionItsOwnRoleAndNoneLocal()
    {
        var roles = T.ResourcesOfType("AWS::Serverless::Function").Select(f => (string?)Env(f.Key)["Offload__Role"]).ToList();
        Assert.Equal(RoleRoutes.Keys.Order(), roles.Order()!);
        Assert.DoesNotContain("Offload__Role", T["Globals"]!.ToJsonString()); // never inherited: each function says its own

        // Variants and Reconciler do not map /healthz, the adapter's readiness path (infra/Dockerfile). The adapter
        // counts any status below 500 as ready by default, so their 404 is; nothing may narrow that default.
        Assert.DoesNotContain("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", Templates.Read("infra/Dockerfile"));
        Assert.DoesNotContain("AWS_LWA_READINESS_CHECK_HEALTHY_STATUS", T.ToJsonString());
    }

    [Theory]
    [InlineData("OffloadWorker")]
    [InlineData("Variants")]
    [InlineData("Reconciler")]
    public void EventFunction_Status5xx_BecomesFailedInvocation(string function)
    {
        Assert.Equal("500-599", (string?)Env(function)["AWS_LWA_ERROR_STATUS_CODES"]);
    }

    [Fact]
    public void ApiFunction_ErrorStatusCodes_AreNeverSetEvenThroughGlobals()
    {
        Assert.Null(Env("Api")["AWS_LWA_ERROR_STATUS_CODES"]);
        Assert.DoesNotContain("AWS_LWA_", T["Globals"]!.ToJsonString());
    }

    [Fact]
    public void FunctionImage_Dockerfile_SetsPortReadinessCheckAndPinnedWebAdapter()
    {
        var dockerfile = Templates.Read("infra/Dockerfile");
        // Pinned to a 1.0.x release (docs/decisions.md, "Imaging on NetVips").
        Assert.Matches(@"(?m)^COPY --from=public\.ecr\.aws/awsguru/aws-lambda-adapter:1\.0\.\d+ /lambda-adapter /opt/extensions/lambda-adapter$", dockerfile);
        Assert.Contains("AWS_LWA_PORT=8080", dockerfile);
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8080", dockerfile);
        Assert.Contains("AWS_LWA_READINESS_CHECK_PATH=/healthz", dockerfile);
        // linux-x64, so NetVips.Native's libvips.so.42 is published with the app.
        Assert.Contains("dotnet publish functions/MediaOffload.Api/MediaOffload.Api.csproj -c Release -r linux-x64 --self-contained false -o /app", dockerfile);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"MediaOffload.Api.dll\"]", dockerfile);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/aspnet:", dockerfile);
        Assert.DoesNotContain("apt-get install", dockerfile);
    }

    [Fact]
    public void Configuration_Globals_ReachesEveryFunctionWithSecretFromSecretsManager()
    {
        var env = T["Globals"]!["Function"]!["Environment"]!["Variables"]!.AsObject();
        Assert.Equal(["${NamePrefix}-media-${AWS::AccountId}-${AWS::Region}"], env["Offload__MediaBucket"].Strings());
        Assert.Equal(["${NamePrefix}-control-${AWS::AccountId}-${AWS::Region}"], env["Offload__ControlBucket"].Strings());
        Assert.Equal(["Ref:KeyPrefix"], env["Offload__KeyPrefix"].Strings());
        Assert.Equal(["Ref:WordPressSiteUrl"], env["Offload__AllowedOrigins__0"].Strings());
        Assert.Equal("false", (string?)env["Offload__AllowPrivateNetworks"]);
        Assert.Equal("", (string?)env["Offload__S3__ServiceUrl"]);
        Assert.StartsWith("{{resolve:secretsmanager:", env["Offload__SigningSecrets__0"].Strings().Single());
        Assert.Equal("wp-content/uploads", (string?)T["Parameters"]!["KeyPrefix"]!["Default"]);
    }

    [Fact]
    public void IamPolicies_S3Permissions_NeverUseWildcardResourceOrFullAccessPolicy()
    {
        var all = T.ToJsonString() + Templates.Front.ToJsonString();
        Assert.DoesNotContain("FullAccess", all);
        Assert.DoesNotMatch(@"S3(Crud|FullAccess|Write|Read)Policy", all);
        foreach (var statement in IamStatements())
        {
            var actions = statement["Action"].Strings();
            if (!actions.Any(a => a.StartsWith("s3:", StringComparison.Ordinal)))
            {
                continue;
            }

            Assert.DoesNotContain("s3:*", actions);
            foreach (var resource in statement["Resource"].Strings())
            {
                Assert.NotEqual("*", resource);
                Assert.DoesNotMatch(@"^arn:[^:]*:s3:::\*", resource);
                Assert.Matches(@"s3:::\$\{NamePrefix\}-(media|control)-", resource);
            }
        }
    }

    [Fact]
    public void ApiPolicy_S3Grants_WriteJobsRunCheckpointsAndSpentNoncesAndReadOnlyWhatStatusAndRemovalsNeed()
    {
        // docs/signing.md: an accepted signature is kept as nonces/{hex signature}, written with If-None-Match: *,
        // which needs s3:PutObject alone. docs/status.md: the status routes read, never write, the rest.
        var grants = Grants("Api");
        Assert.Equal(["s3:GetObject", "s3:PutObject"], grants[Control("jobs/*")]);
        Assert.Equal(["s3:PutObject"], grants[Control("checkpoints/*")]);
        Assert.Equal(["s3:PutObject"], grants[Control("nonces/*")]);
        Assert.Equal(["s3:GetObject"], grants[Control("outcomes/*")]);
        Assert.Equal(["s3:GetObject"], grants[Control("variant-rejections/*")]);
        Assert.Equal(["s3:GetObject"], grants[Control("reports/*")]);
        Assert.Equal(["s3:GetObject"], grants[Media("${KeyPrefix}/*")]);
        // docs/remote-only.md: a removal check reads the media bucket's versioning, and nothing else of the bucket.
        Assert.Equal(["s3:GetBucketVersioning", "s3:ListBucket"], grants[Media(null)]);
        Assert.Equal(8, grants.Count);
    }

    [Fact]
    public void OffloadWorkerPolicy_S3Grants_ReadJobsWriteMediaBelowPrefixAndListFor404s()
    {
        var grants = Grants("OffloadWorker");
        Assert.Equal(["s3:GetObject"], grants[Control("jobs/*")]);
        Assert.Equal(["s3:PutObject"], grants[Control("outcomes/*")]);
        Assert.Equal(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"], grants[Media("${KeyPrefix}/*")]);
        Assert.Equal(["s3:ListBucket"], grants[Media(null)]);
        Assert.Equal(4, grants.Count);
    }

    [Fact]
    public void VariantsPolicy_S3Grants_ReadMediaButWriteAndDeleteOnlyVariantKeys()
    {
        // docs/keys.md: variants live at {key}.webp and {key}.avif, and no upload may take those names.
        var grants = Grants("Variants");
        Assert.Equal(["s3:GetObject"], grants[Media("${KeyPrefix}/*")]);
        Assert.Equal(["s3:DeleteObject", "s3:PutObject"], grants[Media("${KeyPrefix}/*.webp")]);
        Assert.Equal(["s3:DeleteObject", "s3:PutObject"], grants[Media("${KeyPrefix}/*.avif")]);
        Assert.Equal(["s3:PutObject"], grants[Control("variant-rejections/*")]);
        Assert.Equal(["s3:ListBucket"], grants[Media(null)]);
        Assert.Equal(5, grants.Count);
    }

    [Fact]
    public void MediaListBucket_EveryGrant_IsLimitedToKeysBelowThePrefix()
    {
        // The code lists only below the prefix. A HEAD of a missing key then answers 403 (the condition has no
        // prefix to test), which the S3 adapter resolves with a ListObjectsV2 under Prefix=<key> (docs/deploy.md).
        var lists = IamStatements().Where(s => s["Action"].Strings().Contains("s3:ListBucket")).ToList();
        Assert.Equal(4, lists.Count); // Api (job status), OffloadWorker, Variants, Reconciler
        foreach (var s in lists)
        {
            Assert.Equal(["s3:ListBucket"], s["Action"].Strings());
            Assert.Equal([Media(null)], s["Resource"].Strings());
            var condition = s["Condition"]!.AsObject();
            Assert.Equal(["StringLike"], condition.Select(c => c.Key));
            var like = condition["StringLike"]!.AsObject();
            Assert.Equal(["s3:prefix"], like.Select(c => c.Key));
            Assert.Equal(["${KeyPrefix}/*"], like["s3:prefix"].Strings());
        }

        foreach (var function in new[] { "Api", "OffloadWorker", "Variants", "Reconciler" })
        {
            Assert.Single(Statements(function), s => s["Action"].Strings().Contains("s3:ListBucket"));
        }
    }

    [Fact]
    public void ReconcilerPolicy_Grants_ListFixMediaAndWriteControlPrefixesButInvokeNothing()
    {
        var grants = Grants("Reconciler");
        Assert.Equal(["s3:ListBucket"], grants[Media(null)]);
        Assert.Equal(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], grants[Media("${KeyPrefix}/*")]);
        Assert.Equal(["s3:PutObject"], grants[Control("jobs/*")]);
        Assert.Equal(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], grants[Control("checkpoints/*")]);
        Assert.Equal(["s3:PutObject"], grants[Control("reports/*")]);
        Assert.Equal(["s3:GetObject", "s3:PutObject"], grants[Control("state/*")]);
        Assert.Equal(["s3:PutObject"], grants[Control("variant-rejections/*")]);
        Assert.Equal(7, grants.Count);

        // A run continues through its checkpoint's S3 notification, so no role may invoke a function.
        Assert.Empty(T.ResourcesOfType("AWS::IAM::RolePolicy"));
    }

    [Theory]
    [InlineData("OffloadWorker")]
    [InlineData("Variants")]
    [InlineData("Reconciler")]
    public void EventFunction_FailedInvocation_RetriesThenParksInAlarmedDeadLetterQueue(string function)
    {
        var config = T.Props(function)["EventInvokeConfig"]!;
        Assert.InRange(int.Parse((string)config["MaximumRetryAttempts"]!), 1, 2);
        Assert.Equal("SQS", (string?)config["DestinationConfig"]!["OnFailure"]!["Type"]);
        var queue = $"{function}DeadLetterQueue";
        Assert.Equal([$"GetAtt:{queue}.Arn"], config["DestinationConfig"]!["OnFailure"]!["Destination"].Strings());
        Assert.Equal("AWS::SQS::Queue", (string?)T.Resource(queue)["Type"]);

        var alarm = T.Props($"{function}DeadLetterAlarm");
        Assert.Equal("AWS/SQS", (string?)alarm["Namespace"]);
        Assert.Equal("ApproximateNumberOfMessagesVisible", (string?)alarm["MetricName"]);
        Assert.Equal([$"GetAtt:{queue}.QueueName"], alarm["Dimensions"]![0]!["Value"].Strings());
        Assert.Equal(["Ref:AlarmTopic"], alarm["AlarmActions"].Strings());
    }

    [Fact]
    public void Reconciler_Schedule_RunsWithReconcileAction()
    {
        var events = T.Props("Reconciler")["Events"]!.AsObject();
        var schedule = Assert.Single(events).Value!;
        Assert.Equal("ScheduleV2", (string?)schedule["Type"]);
        Assert.Equal("{\"action\":\"reconcile\"}", (string?)schedule["Properties"]!["Input"]);
        Assert.Equal(["GetAtt:ReconcilerDeadLetterQueue.Arn"], schedule["Properties"]!["DeadLetterConfig"]!["Arn"].Strings());
    }

    [Fact]
    public void HttpApi_Routes_ExposeOnlySignedRoutesAndHealthNeverEventEndpoints()
    {
        var routes = T.Props("Api")["Events"]!.AsObject()
            .Select(e => $"{(string?)e.Value!["Properties"]!["Method"]} {(string?)e.Value["Properties"]!["Path"]}")
            .Order().ToList();
        Assert.Equal(["GET /healthz", "GET /v1/{proxy+}", "POST /v1/{proxy+}"], routes);
        foreach (var f in new[] { "OffloadWorker", "Variants" })
        {
            Assert.Null(T.Props(f)["Events"]);
        }
    }

    private static IEnumerable<JsonObject> Statements(string function) =>
        T.Props(function)["Policies"]!.AsArray().SelectMany(p => p!["Statement"]!.AsArray()).Select(s => s!.AsObject());

    private static IEnumerable<JsonObject> IamStatements()
    {
        foreach (var (id, _) in T.ResourcesOfType("AWS::Serverless::Function"))
        {
            foreach (var s in Statements(id))
            {
                yield return s;
            }
        }

        foreach (var node in T["Resources"].Descendants().Concat(Templates.Front["Resources"].Descendants()))
        {
            if (node is JsonObject o && o["PolicyDocument"]?["Statement"] is JsonArray a && !o.ContainsKey("Bucket"))
            {
                foreach (var s in a.Items())
                {
                    yield return s;
                }
            }
        }
    }

    /// <summary>resource → sorted actions granted on it.</summary>
    private static Dictionary<string, List<string>> Grants(string function)
    {
        var grants = new Dictionary<string, List<string>>();
        foreach (var s in Statements(function))
        {
            Assert.Equal("Allow", (string?)s["Effect"]);
            foreach (var r in s["Resource"].Strings())
            {
                var list = grants.TryGetValue(r, out var l) ? l : grants[r] = [];
                list.AddRange(s["Action"].Strings());
            }
        }

        foreach (var list in grants.Values)
        {
            list.Sort(StringComparer.Ordinal);
        }

        return grants;
    }

    private static string Media(string? suffix) =>
        "arn:${AWS::Partition}:s3:::${NamePrefix}-media-${AWS::AccountId}-${AWS::Region}" + (suffix is null ? "" : "/" + suffix);

    private static string Control(string suffix) =>
        "arn:${AWS::Partition}:s3:::${NamePrefix}-control-${AWS::AccountId}-${AWS::Region}/" + suffix;
}
