using System.Text.Json.Nodes;

namespace MediaOffload.Template.Tests;

public class CdnTests
{
    private static readonly JsonObject T = Templates.Main;
    private static readonly JsonObject Config = (JsonObject)T.Props("Distribution")["DistributionConfig"]!;

    private static readonly string[] ImageExtensions = ["jpg", "jpeg", "png", "gif"];

    private static List<JsonObject> Behaviors() =>
        Config["CacheBehaviors"].Items().Concat(Templates.Branches(Config["DefaultCacheBehavior"])).ToList();

    [Fact]
    public void CacheBehaviors_PathPatterns_NeverRouteWpContentOrPhpToS3()
    {
        foreach (var b in Config["CacheBehaviors"].Items())
        {
            var pattern = (string)b["PathPattern"]!;
            Assert.DoesNotContain("wp-content", pattern, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual("*", pattern);
            if ((string?)b["TargetOriginId"] != "WordPress")
            {
                Assert.Matches(@"^\*\.[A-Za-z0-9]+$", pattern);
                Assert.DoesNotContain("php", pattern, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.DoesNotContain("/wp-content/*", T.ToJsonString());
    }

    [Fact]
    public void CacheBehaviors_StaticExtensions_GoToFailoverGroupWithImagesInBothCases()
    {
        var patterns = Config["CacheBehaviors"].Items()
            .Where(b => (string?)b["TargetOriginId"] == "MediaWithFallback")
            .Select(b => (string)b["PathPattern"]!).ToHashSet();
        foreach (var ext in ImageExtensions)
        {
            Assert.Contains($"*.{ext}", patterns);
            Assert.Contains($"*.{ext.ToUpperInvariant()}", patterns);
        }

        foreach (var ext in new[] { "webp", "avif", "woff2", "mp4", "pdf" })
        {
            Assert.Contains($"*.{ext}", patterns);
        }

        Assert.InRange(Config["CacheBehaviors"]!.AsArray().Count, 1, 25); // CloudFront's default quota per distribution
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CacheBehaviors_ToTheMediaBucket_AreAllowlistedTypesAndExecutablesGoToWordPress(bool full)
    {
        var config = (JsonObject)Templates.Resolve(Config, full ? Templates.When("IsFull", "UseOAI") : Templates.When("UseOAI"))!;
        var media = Templates.MediaExtensions().Select(e => e.ToLowerInvariant()).ToHashSet();
        var behaviors = config["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).ToList();
        foreach (var b in behaviors)
        {
            var pattern = (string)b["PathPattern"]!;
            var target = (string)b["TargetOriginId"]!;
            if (target is "MediaS3" or "MediaWithFallback")
            {
                Assert.Matches(@"^\*\.[A-Za-z0-9]+$", pattern);
                Assert.Contains(pattern[2..].ToLowerInvariant(), media);
            }

            if (pattern.StartsWith("*.", StringComparison.Ordinal) && Templates.ExecutableExtensions.Contains(pattern[2..].ToLowerInvariant()))
            {
                Assert.Equal("WordPress", target);
            }
        }

        // Theme and plugin assets keep a cached behavior of their own, straight to WordPress.
        foreach (var ext in new[] { "svg", "css", "js" })
        {
            var b = Assert.Single(behaviors, b => (string?)b["PathPattern"] == $"*.{ext}");
            Assert.Equal("WordPress", (string?)b["TargetOriginId"]);
            Assert.Equal(["Ref:StaticCachePolicy"], b["CachePolicyId"].Strings());
            Assert.Equal(["GET", "HEAD", "OPTIONS"], b["AllowedMethods"].Strings());
        }

        // .html and .htm have no behavior: in full mode they take the default (WordPress); in media-only mode the
        // default goes to S3, whose policy grants CloudFront no .html object (StorageTests).
        Assert.Equal(full ? "WordPress" : "MediaS3", (string?)config["DefaultCacheBehavior"]!["TargetOriginId"]);
    }

    [Fact]
    public void OriginGroup_Failover_TriesS3FirstThenWordPressOn403And404()
    {
        var group = Assert.Single(Config["OriginGroups"]!["Items"]!.AsArray())!;
        Assert.Equal("MediaWithFallback", (string?)group["Id"]);
        Assert.Equal(["403", "404"], group["FailoverCriteria"]!["StatusCodes"]!["Items"].Strings().Order());
        Assert.Equal(["MediaS3", "WordPress"], group["Members"]!["Items"]!.AsArray().Select(m => (string)m!["OriginId"]!));
        foreach (var b in Config["CacheBehaviors"].Items().Where(b => (string?)b["TargetOriginId"] == "MediaWithFallback"))
        {
            Assert.Equal(["GET", "HEAD", "OPTIONS"], b["AllowedMethods"].Strings()); // failover works for these only
        }
    }

    [Fact]
    public void S3Origin_OriginAccessParameter_SelectsOaiOrOac()
    {
        var s3 = Config["Origins"]!.AsArray().Single(o => (string?)o!["Id"] == "MediaS3")!;
        Assert.Equal(["GetAtt:MediaBucket.RegionalDomainName"], s3["DomainName"].Strings());
        var oai = s3["S3OriginConfig"]!["OriginAccessIdentity"]!["Fn::If"]!.AsArray();
        Assert.Equal("UseOAI", (string?)oai[0]);
        Assert.Equal(["origin-access-identity/cloudfront/${CloudFrontOai}"], oai[1].Strings());
        var oac = s3["OriginAccessControlId"]!["Fn::If"]!.AsArray();
        Assert.Equal("UseOAC", (string?)oac[0]);
        Assert.Equal(["GetAtt:CloudFrontOac.Id"], oac[1].Strings());
        Assert.Equal(["OAI", "OAC"], T["Parameters"]!["OriginAccess"]!["AllowedValues"].Strings());
        Assert.Equal("OAI", (string?)T["Parameters"]!["OriginAccess"]!["Default"]);
    }

    [Fact]
    public void Distribution_ViewersAndOrigins_UseHttpsOnlyOverHttp2AndHttp3()
    {
        Assert.Equal("http2and3", (string?)Config["HttpVersion"]);
        foreach (var b in Behaviors())
        {
            Assert.Contains((string?)b["ViewerProtocolPolicy"], new[] { "redirect-to-https", "https-only" });
            Assert.Equal(["Ref:SecurityHeadersPolicy"], b["ResponseHeadersPolicyId"].Strings());
        }

        var wordpress = Config["Origins"]!.AsArray().Single(o => (string?)o!["Id"] == "WordPress")!;
        Assert.Equal("https-only", (string?)wordpress["CustomOriginConfig"]!["OriginProtocolPolicy"]);
        Assert.Equal(["TLSv1.2"], wordpress["CustomOriginConfig"]!["OriginSSLProtocols"].Strings());

        var cert = Templates.Branches(Config["ViewerCertificate"]).First();
        Assert.Equal("TLSv1.2_2021", (string?)cert["MinimumProtocolVersion"]);
        Assert.Equal("sni-only", (string?)cert["SslSupportMethod"]);
        Assert.Matches(":acm:us-east-1:", (string)T["Parameters"]!["CdnCertificateArn"]!["AllowedPattern"]!);

        var hsts = T.Props("SecurityHeadersPolicy")["ResponseHeadersPolicyConfig"]!["SecurityHeadersConfig"]!;
        Assert.NotNull(hsts["StrictTransportSecurity"]!["AccessControlMaxAgeSec"]);
        Assert.NotNull(hsts["ContentTypeOptions"]);
        Assert.Equal("SAMEORIGIN", (string?)hsts["FrameOptions"]!["FrameOption"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CacheBehaviors_ImageNegotiationFunction_RunsOnImageBehaviorsAndNoOthers(bool full)
    {
        var config = Templates.Resolve(Config, full ? Templates.When("IsFull", "UseOAI") : Templates.When("UseOAI"))!;
        foreach (var b in config["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()))
        {
            var pattern = (string)b["PathPattern"]!;
            var isImage = ImageExtensions.Any(e => pattern.Equals("*." + e, StringComparison.OrdinalIgnoreCase));
            var associations = b["FunctionAssociations"]?.AsArray()
                .Select(f => ((string)f!["EventType"]!, f["FunctionARN"].Strings().Single())).OrderBy(a => a.Item1).ToList() ?? [];
            if (isImage)
            {
                // viewer-request negotiates; viewer-response adds Vary: Accept (docs/deploy.md, "Vary: Accept").
                Assert.Equal(
                    [("viewer-request", "GetAtt:ImageNegotiationFunction.FunctionMetadata.FunctionARN"),
                     ("viewer-response", "GetAtt:ImageNegotiationFunction.FunctionMetadata.FunctionARN")],
                    associations);
            }
            else
            {
                Assert.DoesNotContain(associations, a => a.Item2 == "GetAtt:ImageNegotiationFunction.FunctionMetadata.FunctionARN");
                Assert.DoesNotContain(associations, a => a.Item1 == "viewer-response");
            }
        }

        Assert.Equal("cloudfront-js-2.0", (string?)T.Props("ImageNegotiationFunction")["FunctionConfig"]!["Runtime"]);
    }

    [Fact]
    public void CloudFrontFunctions_DeployedCode_IsTheTestedFile()
    {
        Assert.Equal(Templates.Read("infra/cloudfront/image-negotiation.js"), (string?)T.Props("ImageNegotiationFunction")["FunctionCode"]!["Fn::Sub"]);
        Assert.Equal(Templates.Read("infra/cloudfront/viewer-ip.js"), (string?)T.Props("ViewerIpFunction")["FunctionCode"]);
    }

    [Fact]
    public void VariantFormats_OneParameter_FeedsEveryFunctionAndTheEdge()
    {
        // docs/deploy.md, "Variant formats": the service writes what the parameter lists, and the edge asks only for that.
        var parameter = T["Parameters"]!["VariantFormats"]!;
        Assert.Equal("avif,webp", (string?)parameter["Default"]);
        Assert.Equal(["avif,webp", "webp"], parameter["AllowedValues"].Strings());
        foreach (var value in parameter["AllowedValues"].Strings())
        {
            Assert.All(value.Split(','), format => Assert.Contains(format, new[] { "avif", "webp" }));
        }

        var globals = T["Globals"]!["Function"]!["Environment"]!["Variables"]!;
        Assert.Equal(["Ref:VariantFormats"], globals["Offload__Variants__Formats"].Strings());
        foreach (var (id, _) in T.ResourcesOfType("AWS::Serverless::Function"))
        {
            Assert.Null(T.Props(id)["Environment"]!["Variables"]!["Offload__Variants__Formats"]); // none overrides it
        }

        var code = T.Props("ImageNegotiationFunction")["FunctionCode"]!["Fn::Sub"]!.GetValue<string>();
        Assert.Contains("var ENABLED_FORMATS = '${VariantFormats}'", code, StringComparison.Ordinal);
        Assert.Contains("var MEDIA_PREFIX = '/${KeyPrefix}/'", code, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultBehavior_FullMode_ForwardsHostAndWordPressCookiesAndNeverCachesAdminLoginOrRest()
    {
        var full = Templates.Branches(Config["DefaultCacheBehavior"]).First();
        Assert.Equal("WordPress", (string?)full["TargetOriginId"]);
        var key = T.Props("WordPressCachePolicy")["CachePolicyConfig"]!["ParametersInCacheKeyAndForwardedToOrigin"]!;
        Assert.Equal(["Host"], key["HeadersConfig"]!["Headers"].Strings());
        var cookies = key["CookiesConfig"]!["Cookies"].Strings();
        Assert.Contains("wordpress_*", cookies); // wordpress_logged_in_*, wordpress_sec_*, wordpress_test_cookie
        Assert.Contains("wp-settings-*", cookies);
        Assert.Contains("comment_author_*", cookies);
        Assert.Equal("0", (string?)T.Props("WordPressCachePolicy")["CachePolicyConfig"]!["MinTTL"]);

        const string cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
        const string allViewer = "216adef6-5c7f-47e4-b989-5492eafa07d3";
        var uncached = Config["CacheBehaviors"].Items().Where(b => IsManaged(b["CachePolicyId"], cachingDisabled)).ToList();
        Assert.Equal(["*.php", "wp-admin/*", "wp-json/*", "wp-login.php"], uncached.Select(b => (string)b["PathPattern"]!).Order());
        Assert.All(uncached, b => Assert.Equal(allViewer, (string?)b["OriginRequestPolicyId"]));
        Assert.All(uncached, b => Assert.Equal("WordPress", (string?)b["TargetOriginId"]));

        // The uncached WordPress paths precede every extension pattern (CloudFront takes the first match).
        var order = Config["CacheBehaviors"]!.AsArray().Select(i => Templates.Branches(i).Single()).ToList();
        var lastDynamic = order.FindLastIndex(b => IsManaged(b["CachePolicyId"], cachingDisabled));
        var firstStatic = order.FindIndex(b => (string?)b["TargetOriginId"] == "MediaWithFallback");
        Assert.True(lastDynamic < firstStatic);
    }

    [Fact]
    public void WordPressOrigin_Requests_CarryOriginSecretAndViewerIp()
    {
        var wordpress = Config["Origins"]!.AsArray().Single(o => (string?)o!["Id"] == "WordPress")!;
        var headers = wordpress["OriginCustomHeaders"]!["Fn::If"]!.AsArray();
        Assert.Equal("IsFull", (string?)headers[0]);
        var header = Assert.Single(headers[1]!.AsArray())!;
        Assert.Equal("X-Origin-Verify", (string?)header["HeaderName"]);
        Assert.StartsWith("{{resolve:secretsmanager:${OriginVerifySecret}", header["HeaderValue"].Strings().Single());
        foreach (var b in AllBehaviors(FullConfig()).Where(b => (string?)b["TargetOriginId"] == "WordPress"))
        {
            Assert.Equal(["GetAtt:ViewerIpFunction.FunctionMetadata.FunctionARN"], b["FunctionAssociations"]!.AsArray().Select(f => f!["FunctionARN"].Strings().Single()));
        }

        Assert.Contains("X-Viewer-IP", T.Props("WordPressOriginRequestPolicy")["OriginRequestPolicyConfig"]!["HeadersConfig"]!["Headers"].Strings());
    }

    private const string AllViewerOriginRequestPolicy = "216adef6-5c7f-47e4-b989-5492eafa07d3";
    private const string SetsViewerIp = "request.headers['x-viewer-ip'] = { value: event.viewer.ip };";

    /// <summary>The distribution config in full mode (with the given origin access), conditions decided.</summary>
    private static JsonObject FullConfig(string access = "UseOAI") =>
        (JsonObject)Templates.Resolve(Config, Templates.When("IsFull", access))!;

    private static IEnumerable<JsonObject> AllBehaviors(JsonObject config) =>
        config["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).Append(config["DefaultCacheBehavior"]!.AsObject());

    [Theory]
    [InlineData("UseOAI")]
    [InlineData("UseOAC")]
    public void CacheBehaviors_ThatCanReachTheAlb_SetViewerIpAndForwardItOutsideTheCacheKey(string access)
    {
        var config = FullConfig(access);
        // The ALB is the WordPress origin, alone or as a member of an origin group (the fallback on 403/404).
        var reachAlb = config["OriginGroups"]!["Items"]!.AsArray()
            .Where(g => g!["Members"]!["Items"]!.AsArray().Any(m => (string?)m!["OriginId"] == "WordPress"))
            .Select(g => (string)g!["Id"]!).Append("WordPress").ToHashSet();
        Assert.Contains("MediaWithFallback", reachAlb);

        var checkedBehaviors = 0;
        foreach (var b in AllBehaviors(config).Where(b => reachAlb.Contains((string)b["TargetOriginId"]!)))
        {
            var name = (string?)b["PathPattern"] ?? "default";
            // One viewer-request function per behavior, and it must be one whose code sets X-Viewer-IP.
            var viewerRequest = Assert.Single(b["FunctionAssociations"]!.AsArray(), f => (string?)f!["EventType"] == "viewer-request")!;
            var arn = viewerRequest["FunctionARN"].Strings().Single();
            Assert.Matches(@"^GetAtt:\w+\.FunctionMetadata\.FunctionARN$", arn);
            var function = arn["GetAtt:".Length..arn.IndexOf('.', StringComparison.Ordinal)];
            Assert.True(T.Props(function)["FunctionCode"].Strings().Single().Contains(SetsViewerIp, StringComparison.Ordinal),
                $"{name}: {function} does not set X-Viewer-IP");

            // CloudFront sends a viewer header to the origin only when a policy names it.
            Assert.True(ForwardsToOrigin(b, "X-Viewer-IP"), $"{name}: X-Viewer-IP is not forwarded to the origin");
            checkedBehaviors++;
        }

        Assert.Equal(AllBehaviors(config).Count(), checkedBehaviors); // in full mode every behavior can reach the ALB

        // A per-viewer header in the cache key would give every viewer its own copy of every object.
        foreach (var (id, policy) in T.ResourcesOfType("AWS::CloudFront::CachePolicy"))
        {
            var headers = policy["Properties"]!["CachePolicyConfig"]!["ParametersInCacheKeyAndForwardedToOrigin"]!["HeadersConfig"]!;
            Assert.DoesNotContain("x-viewer-ip", headers["Headers"].Strings().Select(h => h.ToLowerInvariant()));
        }
    }

    [Fact]
    public void Distribution_MediaOnlyMode_ReferencesNoFullModeResource()
    {
        var mediaOnly = Templates.Resolve(Config, Templates.When("UseOAI"))!.ToJsonString();
        var fullOnly = T["Resources"]!.AsObject().Where(r => (string?)r.Value!["Condition"] == "IsFull").Select(r => r.Key).ToList();
        Assert.Contains("ViewerIpFunction", fullOnly);
        foreach (var id in fullOnly)
        {
            Assert.DoesNotContain($"\"Ref\":\"{id}\"", mediaOnly);
            Assert.DoesNotContain($"\"{id}.", mediaOnly);
            Assert.DoesNotContain("${" + id, mediaOnly);
        }
    }

    private static bool ForwardsToOrigin(JsonObject behavior, string header)
    {
        var policy = behavior["OriginRequestPolicyId"];
        if (policy is JsonValue managed)
        {
            return (string?)managed == AllViewerOriginRequestPolicy;
        }

        var id = policy.Strings().SingleOrDefault();
        if (id is null || !id.StartsWith("Ref:", StringComparison.Ordinal))
        {
            return false;
        }

        var headers = T.Props(id["Ref:".Length..])["OriginRequestPolicyConfig"]!["HeadersConfig"]!;
        return (string?)headers["HeaderBehavior"] switch
        {
            "allViewer" or "allViewerAndWhitelistCloudFront" => true,
            "whitelist" => headers["Headers"].Strings().Contains(header, StringComparer.OrdinalIgnoreCase),
            _ => false,
        };
    }

    [Fact]
    public void DefaultBehavior_MediaOnlyMode_SendsUnlistedPathsToS3Alone()
    {
        var mediaOnly = Templates.Branches(Config["DefaultCacheBehavior"]).Last();
        Assert.Equal("MediaS3", (string?)mediaOnly["TargetOriginId"]);
        Assert.Equal(["GET", "HEAD"], mediaOnly["AllowedMethods"].Strings());
        Assert.Equal("IsFull", (string?)T.Resource("Front")["Condition"]);
        Assert.Equal(["full", "media-only"], T["Parameters"]!["DeploymentMode"]!["AllowedValues"].Strings());
    }

    [Fact]
    public void Route53AliasRecords_Creation_RequiresHostedZone()
    {
        Assert.Equal("CreateCdnRecords", (string?)T.Resource("CdnRecords")["Condition"]);
        Assert.Equal("CreateOriginRecord", (string?)T.Resource("OriginRecord")["Condition"]);
        Assert.Contains("HasHostedZone", T["Conditions"]!["CreateCdnRecords"]!.ToJsonString());
    }

    private static bool IsManaged(JsonNode? policyId, string id) => policyId is JsonValue v && v.GetValue<string>() == id;
}
