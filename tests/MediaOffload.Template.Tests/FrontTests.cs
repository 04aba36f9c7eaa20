using System.Text.Json.Nodes;

namespace MediaOffload.Template.Tests;

public class FrontTests
{
    private static readonly JsonObject F = Templates.Front;

    private static JsonArray Rules => F.Props("WebAcl")["Rules"]!.AsArray();

    private static JsonObject Rule(string name) =>
        Rules.Single(r => (string?)r!["Name"] == name)!.AsObject();

    [Fact]
    public void MainTemplate_FullMode_NestsFront()
    {
        var front = Templates.Main.Resource("Front");
        Assert.Equal("AWS::Serverless::Application", (string?)front["Type"]);
        Assert.Equal("infra/front.yaml", (string?)front["Properties"]!["Location"]);
        Assert.Equal("IsFull", (string?)front["Condition"]);
        foreach (var parameter in F["Parameters"]!.AsObject().Where(p => p.Value!["Default"] is null))
        {
            Assert.NotNull(front["Properties"]!["Parameters"]![parameter.Key]);
        }
    }

    [Fact]
    public void WebAcl_RegionalScope_IsAssociatedWithLoadBalancer()
    {
        Assert.Equal("REGIONAL", (string?)F.Props("WebAcl")["Scope"]);
        var association = Assert.Single(F.ResourcesOfType("AWS::WAFv2::WebACLAssociation")).Value["Properties"]!;
        Assert.Equal(["Ref:LoadBalancer"], association["ResourceArn"].Strings());
        Assert.Equal(["GetAtt:WebAcl.Arn"], association["WebACLArn"].Strings());
    }

    [Fact]
    public void WebAcl_ManagedRuleGroups_AreAllPresent()
    {
        var groups = Rules.Select(r => (string?)r!["Statement"]!["ManagedRuleGroupStatement"]?["Name"]).Where(n => n is not null).ToList();
        Assert.Equal(
            ["AWSManagedRulesAdminProtectionRuleSet", "AWSManagedRulesCommonRuleSet",
             "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesPHPRuleSet", "AWSManagedRulesWordPressRuleSet"],
            groups.Order());
        Assert.Equal(Rules.Count, Rules.Select(r => (string?)r!["Priority"]).Distinct().Count());
    }

    [Fact]
    public void WebAcl_BehindCloudFront_HasNoRuleOnTheSourceAddress()
    {
        // Every request reaches the ALB from a CloudFront address, so a rule on the source address judges
        // CloudFront, not the viewer. IP reputation belongs to the edge web ACL (infra/edge-waf.yaml).
        var statements = Rules.SelectMany(r => r!["Statement"].Descendants()).OfType<JsonObject>().ToList();
        foreach (var s in statements)
        {
            Assert.NotEqual("AWSManagedRulesAmazonIpReputationList", (string?)s["ManagedRuleGroupStatement"]?["Name"]);
            Assert.NotEqual("AWSManagedRulesAnonymousIpList", (string?)s["ManagedRuleGroupStatement"]?["Name"]);
            if (s["RateBasedStatement"] is JsonObject rate)
            {
                Assert.Equal("FORWARDED_IP", (string?)rate["AggregateKeyType"]);
            }

            if (s["IPSetReferenceStatement"] is JsonObject ipSet)
            {
                Assert.NotNull(ipSet["IPSetForwardedIPConfig"]);
            }

            if (s["GeoMatchStatement"] is JsonObject geo)
            {
                Assert.NotNull(geo["ForwardedIPConfig"]);
            }
        }

        Assert.DoesNotContain("IpReputation", F.ToJsonString());
    }

    [Fact]
    public void CommonRuleSet_ActionOverrides_CountOnlyBodySizeAndRfiRules()
    {
        var overrides = Rule("AWS-AWSManagedRulesCommonRuleSet")["Statement"]!["ManagedRuleGroupStatement"]!["RuleActionOverrides"]!.AsArray();
        Assert.Equal(["GenericRFI_BODY", "SizeRestrictions_BODY"], overrides.Select(o => (string)o!["Name"]!).Order());
        Assert.All(overrides, o => Assert.NotNull(o!["ActionToUse"]!["Count"]));
        Assert.Null(Rule("AWS-AWSManagedRulesCommonRuleSet")["Statement"]!["ManagedRuleGroupStatement"]!["ExcludedRules"]);
    }

    [Fact]
    public void LargeBodies_OutsideUploadEndpoints_AreReBlockedByLabel()
    {
        var rule = Rule("BlockLargeBodyExceptUploads");
        Assert.NotNull(rule["Action"]!["Block"]);
        var parts = rule["Statement"]!["AndStatement"]!["Statements"]!.AsArray();
        Assert.Equal("awswaf:managed:aws:core-rule-set:SizeRestrictions_Body", (string?)parts[0]!["LabelMatchStatement"]!["Key"]);
        var exempt = parts[1]!["NotStatement"]!["Statement"]!["OrStatement"]!["Statements"]!.AsArray()
            .Select(s => (string)s!["ByteMatchStatement"]!["SearchString"]!).ToList();
        Assert.Contains("/wp-admin/async-upload.php", exempt);
        Assert.Contains("/wp-json/wp/v2/media", exempt);
        Assert.True(Priority(rule) > Priority(Rule("AWS-AWSManagedRulesCommonRuleSet")), "label rules must run after the group that labels");
    }

    [Fact]
    public void RfiBodies_OutsideWpAdmin_AreReBlockedByLabel()
    {
        var rule = Rule("BlockRfiBodyOutsideWpAdmin");
        Assert.NotNull(rule["Action"]!["Block"]);
        var parts = rule["Statement"]!["AndStatement"]!["Statements"]!.AsArray();
        Assert.Equal("awswaf:managed:aws:core-rule-set:GenericRFI_Body", (string?)parts[0]!["LabelMatchStatement"]!["Key"]);
        Assert.Equal("/wp-admin/", (string?)parts[1]!["NotStatement"]!["Statement"]!["ByteMatchStatement"]!["SearchString"]);
        Assert.True(Priority(rule) > Priority(Rule("AWS-AWSManagedRulesCommonRuleSet")));
    }

    [Fact]
    public void AdminProtection_WpAdminAndLogin_AreLeftToWordPress()
    {
        var scope = Rule("AWS-AWSManagedRulesAdminProtectionRuleSet")["Statement"]!["ManagedRuleGroupStatement"]!["ScopeDownStatement"]!;
        var excluded = scope["NotStatement"]!["Statement"]!["OrStatement"]!["Statements"]!.AsArray()
            .Select(s => (string)s!["ByteMatchStatement"]!["SearchString"]!).ToList();
        Assert.Equal(["/wp-admin/", "/wp-login.php"], excluded.Order());
    }

    [Fact]
    public void RateLimit_AggregateKey_IsViewerIpForwardedByCloudFront()
    {
        var rate = Rule("RateLimitPerViewerIp")["Statement"]!["RateBasedStatement"]!;
        Assert.Equal("FORWARDED_IP", (string?)rate["AggregateKeyType"]);
        Assert.Equal("X-Viewer-IP", (string?)rate["ForwardedIPConfig"]!["HeaderName"]);
        Assert.NotNull(Rule("RateLimitPerViewerIp")["Action"]!["Block"]);
    }

    [Fact]
    public void ForwardedIpConfigs_EveryRule_TreatsAnInvalidAddressAsAMatch()
    {
        // NO_MATCH would let a request whose X-Viewer-IP is not an address skip the rule it is in.
        var configs = F["Resources"].Descendants().OfType<JsonObject>()
            .Select(o => o["ForwardedIPConfig"] ?? o["IPSetForwardedIPConfig"]).Where(c => c is not null).ToList();
        Assert.NotEmpty(configs);
        foreach (var c in configs)
        {
            Assert.Equal("MATCH", (string?)c!["FallbackBehavior"]);
            Assert.Equal("X-Viewer-IP", (string?)c["HeaderName"]);
        }
    }

    [Fact]
    public void WebAcl_RequestWithoutViewerIp_IsBlockedBeforeTheRateLimit()
    {
        // WAF skips a forwarded-IP rule altogether when the header is absent (FallbackBehavior covers only an
        // invalid value), so a request without X-Viewer-IP is blocked on its own.
        var rule = Rule("BlockWithoutViewerIp");
        Assert.NotNull(rule["Action"]!["Block"]);
        var size = rule["Statement"]!["NotStatement"]!["Statement"]!["SizeConstraintStatement"]!;
        Assert.Equal("x-viewer-ip", ((string?)size["FieldToMatch"]!["SingleHeader"]!["Name"])?.ToLowerInvariant());
        Assert.Equal("GT", (string?)size["ComparisonOperator"]);
        Assert.Equal("0", (string?)size["Size"]);
        Assert.True(Priority(rule) < Priority(Rule("RateLimitPerViewerIp")));
        Assert.Equal(0, Rules.Min(r => Priority(r!.AsObject())));
    }

    [Fact]
    public void WafLogging_Destination_IsAwsWafLogsGroupWithSecretsRedacted()
    {
        Assert.StartsWith("aws-waf-logs-", F.Props("WafLogGroup")["LogGroupName"].Strings().Single());
        var logging = F.Props("WafLogging");
        Assert.Contains("log-group:${WafLogGroup}", logging["LogDestinationConfigs"].Strings().Single());
        var redacted = logging["RedactedFields"]!.AsArray().Select(f => (string?)f!["SingleHeader"]!["Name"]).ToList();
        Assert.Contains("authorization", redacted);
        Assert.Contains("cookie", redacted);
    }

    [Fact]
    public void Alb_Listeners_UseModernTlsRedirectHttpAndForwardOnlyWithOriginSecret()
    {
        var https = F.Props("HttpsListener");
        Assert.Equal("HTTPS", (string?)https["Protocol"]);
        Assert.StartsWith("ELBSecurityPolicy-TLS13-", (string?)https["SslPolicy"]);
        Assert.Equal("fixed-response", (string?)https["DefaultActions"]![0]!["Type"]);
        Assert.Equal("403", (string?)https["DefaultActions"]![0]!["FixedResponseConfig"]!["StatusCode"]);

        var http = F.Props("HttpListener");
        Assert.Equal("redirect", (string?)http["DefaultActions"]![0]!["Type"]);
        Assert.Equal("HTTPS", (string?)http["DefaultActions"]![0]!["RedirectConfig"]!["Protocol"]);

        var rule = F.Props("FromCloudFrontRule");
        var condition = rule["Conditions"]![0]!;
        Assert.Equal("X-Origin-Verify", (string?)condition["HttpHeaderConfig"]!["HttpHeaderName"]);
        Assert.StartsWith("{{resolve:secretsmanager:", condition["HttpHeaderConfig"]!["Values"].Strings().Single());
        Assert.Equal("forward", (string?)rule["Actions"]![0]!["Type"]);

        Assert.NotNull(F.Props("TargetGroup")["HealthCheckPath"]);
        Assert.Equal(["Ref:InstanceId"], F.Props("TargetGroup")["Targets"]![0]!["Id"].Strings());
    }

    [Fact]
    public void AlbSecurityGroup_Ingress_AllowsOnlyCloudFrontOriginFacingAddresses()
    {
        var ingress = Assert.Single(F.Props("LoadBalancerSecurityGroup")["SecurityGroupIngress"]!.AsArray())!;
        Assert.Equal(["Ref:CloudFrontPrefixListId"], ingress["SourcePrefixListId"].Strings());
        Assert.Equal("443", (string?)ingress["FromPort"]);
        Assert.Null(ingress["CidrIp"]);
        Assert.Null(ingress["CidrIpv6"]);
    }

    private static int Priority(JsonObject rule) => int.Parse((string)rule["Priority"]!);
}
