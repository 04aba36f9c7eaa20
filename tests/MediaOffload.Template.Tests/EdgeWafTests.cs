using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MediaOffload.Template.Tests;

/// <summary>
/// infra/edge-waf.yaml, the optional CLOUDFRONT-scope web ACL, and how the main stack attaches it
/// (docs/deploy.md, "Edge WAF").
/// </summary>
public class EdgeWafTests
{
    private static readonly JsonObject E = Templates.Edge;
    private static readonly JsonObject T = Templates.Main;

    private static JsonArray Rules => E.Props("EdgeWebAcl")["Rules"]!.AsArray();

    [Fact]
    public void EdgeWebAcl_Scope_IsCloudFrontAndTheStackRefusesAnyRegionButUsEast1()
    {
        Assert.Equal("AWS::WAFv2::WebACL", (string?)E.Resource("EdgeWebAcl")["Type"]);
        Assert.Equal("CLOUDFRONT", (string?)E.Props("EdgeWebAcl")["Scope"]);
        Assert.Single(E.ResourcesOfType("AWS::WAFv2::WebACL"));
        Assert.Empty(E.ResourcesOfType("AWS::WAFv2::WebACLAssociation")); // CloudFront attaches it by WebACLId

        var region = E["Rules"]!.AsObject().Select(r => r.Value!).SelectMany(r => r["Assertions"]!.AsArray())
            .Select(a => a!["Assert"]!.ToJsonString());
        Assert.Contains("{\"Fn::Equals\":[{\"Ref\":\"AWS::Region\"},\"us-east-1\"]}", region);
    }

    [Fact]
    public void EdgeWebAcl_Rules_BlockBadReputationAndRateLimitTheTrueClientAddress()
    {
        var reputation = Assert.Single(Rules, r => (string?)r!["Statement"]!["ManagedRuleGroupStatement"]?["Name"] == "AWSManagedRulesAmazonIpReputationList")!;
        Assert.Equal("AWS", (string?)reputation["Statement"]!["ManagedRuleGroupStatement"]!["VendorName"]);
        Assert.NotNull(reputation["OverrideAction"]!["None"]); // the group's own Block actions apply

        var rate = Assert.Single(Rules, r => r!["Statement"]!["RateBasedStatement"] is not null)!;
        Assert.NotNull(rate["Action"]!["Block"]);
        Assert.Equal("IP", (string?)rate["Statement"]!["RateBasedStatement"]!["AggregateKeyType"]);
        Assert.Equal(["Ref:RateLimitPer5Minutes"], rate["Statement"]!["RateBasedStatement"]!["Limit"].Strings());

        // At the edge the source address is the viewer's own: no header can stand in for it.
        Assert.DoesNotContain("ForwardedIP", E.ToJsonString());
        Assert.Equal(Rules.Count, Rules.Select(r => (string?)r!["Priority"]).Distinct().Count());
        Assert.Equal(Rules.Count, Rules.Select(r => (string?)r!["VisibilityConfig"]!["MetricName"]).Distinct().Count());
    }

    [Fact]
    public void EdgeWafLogging_Destination_IsAwsWafLogsGroupWithSecretsRedacted()
    {
        Assert.StartsWith("aws-waf-logs-", E.Props("EdgeWafLogGroup")["LogGroupName"].Strings().Single());
        var logging = E.Props("EdgeWafLogging");
        Assert.Equal(["GetAtt:EdgeWebAcl.Arn"], logging["ResourceArn"].Strings());
        Assert.Contains("log-group:${EdgeWafLogGroup}", logging["LogDestinationConfigs"].Strings().Single());
        var redacted = logging["RedactedFields"]!.AsArray().Select(f => (string?)f!["SingleHeader"]!["Name"]).ToList();
        Assert.Contains("authorization", redacted);
        Assert.Contains("cookie", redacted);
    }

    [Fact]
    public void EdgeWebAclArn_Output_IsWhatTheMainStackParameterAccepts()
    {
        Assert.Equal(["GetAtt:EdgeWebAcl.Arn"], E["Outputs"]!["WebAclArn"]!["Value"].Strings());

        var parameter = T["Parameters"]!["EdgeWebAclArn"]!;
        Assert.Equal("", (string?)parameter["Default"]);
        var pattern = new Regex((string)parameter["AllowedPattern"]!);
        Assert.Matches(pattern, "");
        Assert.Matches(pattern, "arn:aws:wafv2:us-east-1:111122223333:global/webacl/mediaoffload-edge/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111");
        Assert.DoesNotMatch(pattern, "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/mediaoffload-eu-west-1-wordpress/a1b2c3d4");
        Assert.DoesNotMatch(pattern, "arn:aws:wafv2:eu-west-1:111122223333:global/webacl/x/a1b2c3d4");
    }

    [Fact]
    public void Distribution_EdgeWebAclArn_SetsWebAclIdOnlyWhenGiven()
    {
        Assert.Equal("{\"Fn::Not\":[{\"Fn::Equals\":[{\"Ref\":\"EdgeWebAclArn\"},\"\"]}]}", T["Conditions"]!["HasEdgeWebAcl"]!.ToJsonString());
        var config = T.Props("Distribution")["DistributionConfig"];
        var with = Templates.Resolve(config, Templates.When("IsFull", "UseOAI", "HasEdgeWebAcl"))!;
        Assert.Equal(["Ref:EdgeWebAclArn"], with["WebACLId"].Strings());
        foreach (var mode in new[] { Templates.When("IsFull", "UseOAI"), Templates.When("UseOAC") })
        {
            Assert.Null(Templates.Resolve(config, mode)!["WebACLId"]);
        }
    }
}
