using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MediaOffload.Template.Tests;

/// <summary>
/// The external cron (docs/deploy.md, "External cron"): EventBridge requests wp-cron.php every minute through
/// CloudFront and the ALB, and its failures are the site's health check.
/// </summary>
public class ExternalCronTests
{
    private static readonly JsonObject T = Templates.Main;

    private static readonly string[] CronResources =
        ["ExternalCronConnection", "ExternalCronDestination", "ExternalCronRole", "ExternalCronRule", "ExternalCronFailedAlarm"];

    /// <summary>CloudFront's managed CachingDisabled cache policy.</summary>
    private const string CachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

    private static JsonObject Target => Assert.Single(T.Props("ExternalCronRule")["Targets"]!.AsArray())!.AsObject();

    [Fact]
    public void ExternalCron_Condition_OnlyWhenTheAlbFrontsWordPressAndNotTurnedOff()
    {
        foreach (var id in CronResources)
        {
            Assert.Equal("CreateExternalCron", (string?)T.Resource(id)["Condition"]);
        }

        var condition = T["Conditions"]!["CreateExternalCron"]!["Fn::And"]!.AsArray();
        Assert.Equal(2, condition.Count);
        Assert.Equal("IsFull", (string?)condition[0]!["Condition"]);
        Assert.Equal(["Ref:ExternalCron", "true"], condition[1]!["Fn::Equals"].Strings());
        Assert.Equal(["Ref:DeploymentMode", "full"], T["Conditions"]!["IsFull"]!["Fn::Equals"].Strings());
        Assert.Equal("IsFull", (string?)T.Resource("Front")["Condition"]); // no ALB in media-only, so no cron

        var parameter = T["Parameters"]!["ExternalCron"]!;
        Assert.Equal("true", (string?)parameter["Default"]);
        Assert.Equal(["true", "false"], parameter["AllowedValues"].Strings());
    }

    [Fact]
    public void Schedule_Expression_FiresEveryMinuteAtTheDestination()
    {
        var rule = T.Props("ExternalCronRule");
        Assert.Equal("rate(1 minute)", (string?)rule["ScheduleExpression"]);
        Assert.Equal("ENABLED", (string?)rule["State"]);
        Assert.Null(rule["EventPattern"]);
        Assert.Null(rule["EventBusName"]); // schedules run on the default bus only
        Assert.Equal(["GetAtt:ExternalCronDestination.Arn"], Target["Arn"].Strings());
        Assert.Equal(["GetAtt:ExternalCronConnection.Arn"], T.Props("ExternalCronDestination")["ConnectionArn"].Strings());
    }

    [Fact]
    public void Destination_Endpoint_IsWpCronOnTheSiteOverHttps()
    {
        var destination = T.Props("ExternalCronDestination");
        Assert.Equal(["${WordPressSiteUrl}/wp-cron.php"], destination["InvocationEndpoint"].Strings());
        Assert.StartsWith("^https://", (string?)T["Parameters"]!["WordPressSiteUrl"]!["AllowedPattern"]);
        Assert.DoesNotMatch("/$", (string?)T["Parameters"]!["WordPressSiteUrl"]!["AllowedPattern"]);

        // Not the ALB's own name: its security group admits only CloudFront's origin-facing addresses.
        var endpoint = destination["InvocationEndpoint"]!.ToJsonString();
        Assert.DoesNotContain("WordPressOriginDomain", endpoint);
        Assert.DoesNotContain("LoadBalancer", endpoint);
        var ingress = Assert.Single(Templates.Front.Props("LoadBalancerSecurityGroup")["SecurityGroupIngress"]!.AsArray())!;
        Assert.Equal(["Ref:CloudFrontPrefixListId"], ingress["SourcePrefixListId"].Strings());

        // POST as spawn_cron() does; a GET with the body EventBridge sends is refused by CloudFront.
        Assert.Equal("POST", (string?)destination["HttpMethod"]);
        Assert.Equal("{}", (string?)Target["Input"]);
    }

    [Fact]
    public void Destination_Path_ReachesTheAlbUncachedWithTheSecretTheAlbChecks()
    {
        var config = (JsonObject)Templates.Resolve(T.Props("Distribution")["DistributionConfig"], Templates.When("IsFull", "UseOAI"))!;
        var behavior = config["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject())
            .FirstOrDefault(b => Matches((string)b["PathPattern"]!, "wp-cron.php")) ?? config["DefaultCacheBehavior"]!.AsObject();
        Assert.Equal("WordPress", (string?)behavior["TargetOriginId"]);
        Assert.Equal(CachingDisabled, (string?)behavior["CachePolicyId"]);
        Assert.Contains("POST", behavior["AllowedMethods"].Strings());
        // The ALB's web ACL blocks a request without X-Viewer-IP, which the viewer-request function sets.
        var function = Assert.Single(behavior["FunctionAssociations"]!.AsArray())!;
        Assert.Equal("viewer-request", (string?)function["EventType"]);
        Assert.Equal(["GetAtt:ViewerIpFunction.FunctionMetadata.FunctionARN"], function["FunctionARN"].Strings());

        // CloudFront adds X-Origin-Verify from OriginVerifySecret, the secret Front's listener rule requires.
        var origin = config["Origins"]!.AsArray().Single(o => (string?)o!["Id"] == "WordPress")!;
        var header = Assert.Single(origin["OriginCustomHeaders"]!.AsArray())!;
        Assert.Equal("X-Origin-Verify", (string?)header["HeaderName"]);
        Assert.Equal(["{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"], header["HeaderValue"].Strings());
        Assert.Equal("AWS::SecretsManager::Secret", (string?)T.Resource("OriginVerifySecret")["Type"]);
        Assert.Equal(["Ref:OriginVerifySecret"], T.Props("Front")["Parameters"]!["OriginVerifySecretArn"].Strings());
        var check = Templates.Front.Props("FromCloudFrontRule")["Conditions"]!.AsArray()
            .Single(c => (string?)c!["Field"] == "http-header")!["HttpHeaderConfig"]!;
        Assert.Equal("X-Origin-Verify", (string?)check["HttpHeaderName"]);
        Assert.Equal(["{{resolve:secretsmanager:${OriginVerifySecretArn}:SecretString}}"], check["Values"].Strings());

        // The connection holds no copy of the secret: CloudFront's value is the one that reaches the ALB.
        var connection = T.Props("ExternalCronConnection");
        Assert.DoesNotContain("secretsmanager", connection.ToJsonString());
        Assert.DoesNotContain("OriginVerify", connection.ToJsonString());
        Assert.NotEqual("x-origin-verify", ((string?)connection["AuthParameters"]!["ApiKeyAuthParameters"]!["ApiKeyName"])?.ToLowerInvariant());
    }

    [Fact]
    public void Role_Policy_InvokesOnlyTheOneDestinationForThisRule()
    {
        Assert.Equal(["GetAtt:ExternalCronRole.Arn"], Target["RoleArn"].Strings());
        var role = T.Props("ExternalCronRole");
        Assert.Null(role["ManagedPolicyArns"]);
        Assert.Null(role["PermissionsBoundary"]);

        var trust = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("sts:AssumeRole", (string?)trust["Action"]);
        Assert.Equal("events.amazonaws.com", (string?)trust["Principal"]!["Service"]);
        Assert.Equal(["Ref:AWS::AccountId"], trust["Condition"]!["StringEquals"]!["aws:SourceAccount"].Strings());
        var ruleName = T.Props("ExternalCronRule")["Name"].Strings().Single();
        Assert.Equal(
            [$"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{ruleName}"],
            trust["Condition"]!["ArnEquals"]!["aws:SourceArn"].Strings());

        var policy = Assert.Single(role["Policies"]!.AsArray())!;
        var statement = Assert.Single(policy["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("Allow", (string?)statement["Effect"]);
        Assert.Equal(["events:InvokeApiDestination"], statement["Action"].Strings());
        Assert.Equal(["GetAtt:ExternalCronDestination.Arn"], statement["Resource"].Strings());
        Assert.Null(statement["NotAction"]);
        Assert.Null(statement["NotResource"]);
    }

    [Fact]
    public void Alarm_FailedInvocations_FiresOnAnyFailedRequest()
    {
        var alarm = T.Props("ExternalCronFailedAlarm");
        Assert.Equal("AWS/Events", (string?)alarm["Namespace"]);
        Assert.Equal("FailedInvocations", (string?)alarm["MetricName"]);
        var dimension = Assert.Single(alarm["Dimensions"]!.AsArray())!;
        Assert.Equal("RuleName", (string?)dimension["Name"]); // RuleName alone: a rule on the default bus
        Assert.Equal(["Ref:ExternalCronRule"], dimension["Value"].Strings());
        Assert.Equal("Sum", (string?)alarm["Statistic"]);
        Assert.Equal("1", (string?)alarm["EvaluationPeriods"]);
        Assert.True(alarm["DatapointsToAlarm"] is null || (string?)alarm["DatapointsToAlarm"] == "1");
        var threshold = double.Parse((string)alarm["Threshold"]!, System.Globalization.CultureInfo.InvariantCulture);
        switch ((string?)alarm["ComparisonOperator"])
        {
            case "GreaterThanThreshold":
                Assert.Equal(0, threshold);
                break;
            case "GreaterThanOrEqualToThreshold":
                Assert.Equal(1, threshold);
                break;
            default:
                Assert.Fail($"{alarm["ComparisonOperator"]} does not fire on one failure");
                break;
        }

        // The metric is sent only when it is not zero; missing data is a minute without a failure.
        Assert.Equal("notBreaching", (string?)alarm["TreatMissingData"]);
        Assert.Equal(["Ref:AlarmTopic"], alarm["AlarmActions"].Strings());

        // A failed request is counted at once, not after a day of retries, and not moved to a queue instead.
        Assert.Equal("0", (string?)Target["RetryPolicy"]!["MaximumRetryAttempts"]);
        Assert.Null(Target["DeadLetterConfig"]);
    }

    [Fact]
    public void ExternalCron_Names_CarryTheNamePrefix()
    {
        foreach (var id in new[] { "ExternalCronConnection", "ExternalCronDestination", "ExternalCronRule" })
        {
            Assert.Equal(["${NamePrefix}-wp-cron"], T.Props(id)["Name"].Strings());
        }
    }

    /// <summary>A CloudFront path pattern (<c>*</c>, <c>?</c>; the leading slash is optional) against a path.</summary>
    private static bool Matches(string pattern, string path)
    {
        var regex = "^" + Regex.Escape(pattern.TrimStart('/')).Replace(@"\*", ".*").Replace(@"\?", ".") + "$";
        return Regex.IsMatch(path.TrimStart('/'), regex);
    }
}
