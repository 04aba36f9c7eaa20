using System.Text.Json.Nodes;

namespace MediaOffload.Template.Tests;

public class StorageTests
{
    private static readonly JsonObject T = Templates.Main;

    [Fact]
    public void EveryBucket_PublicAccess_IsBlockedWithNoPublicAcl()
    {
        var buckets = T.ResourcesOfType("AWS::S3::Bucket").ToList();
        Assert.Equal(["ControlBucket", "LogsBucket", "MediaBucket"], buckets.Select(b => b.Key).Order());
        foreach (var (id, bucket) in buckets)
        {
            var block = bucket["Properties"]!["PublicAccessBlockConfiguration"]!;
            foreach (var flag in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
            {
                Assert.True((string?)block[flag] == "true", $"{id}: {flag}");
            }

            Assert.Null(bucket["Properties"]!["AccessControl"]);
            Assert.Null(bucket["Properties"]!["WebsiteConfiguration"]);
        }
    }

    [Fact]
    public void BucketPolicies_Statements_NeverAllowAnyoneAndDenyPlainHttp()
    {
        foreach (var (id, policy) in T.ResourcesOfType("AWS::S3::BucketPolicy"))
        {
            var statements = policy["Properties"]!["PolicyDocument"]!["Statement"].Items().ToList();
            foreach (var s in statements.Where(s => (string?)s["Effect"] == "Allow"))
            {
                Assert.False(s["Principal"] is JsonValue, $"{id}: an Allow with Principal \"*\"");
                Assert.DoesNotContain("\"*\"", s["Principal"]!.ToJsonString());
            }

            Assert.Contains(statements, s => (string?)s["Effect"] == "Deny"
                && (string?)s["Condition"]?["Bool"]?["aws:SecureTransport"] == "false");
        }
    }

    [Fact]
    public void MediaBucket_Configuration_IsOwnerEnforcedEncryptedVersionedAndExpiresOldVersions()
    {
        var p = T.Props("MediaBucket");
        Assert.Equal("BucketOwnerEnforced", (string?)p["OwnershipControls"]!["Rules"]![0]!["ObjectOwnership"]);
        Assert.NotNull(p["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
        Assert.Equal("Enabled", (string?)p["VersioningConfiguration"]!["Status"]);
        var rules = p["LifecycleConfiguration"]!["Rules"]!.AsArray();
        Assert.Contains(rules, r => r!["NoncurrentVersionExpiration"]?["NoncurrentDays"] is not null);
        Assert.Contains(rules, r => r!["AbortIncompleteMultipartUpload"]?["DaysAfterInitiation"] is not null);
        Assert.Equal("Retain", (string?)T.Resource("MediaBucket")["DeletionPolicy"]);
    }

    [Fact]
    public void ControlBucket_Lifecycle_ExpiresJobsAndReportsButKeepsCheckpoints()
    {
        var rules = T.Props("ControlBucket")["LifecycleConfiguration"]!["Rules"]!.AsArray();
        var expiring = rules.Where(r => r!["ExpirationInDays"] is not null).Select(r => (string?)r!["Prefix"]).ToList();
        Assert.Contains("jobs/", expiring);
        Assert.Contains("reports/", expiring);
        Assert.DoesNotContain("checkpoints/", expiring);
        Assert.Equal("BucketOwnerEnforced", (string?)T.Props("ControlBucket")["OwnershipControls"]!["Rules"]![0]!["ObjectOwnership"]);
        Assert.NotNull(T.Props("ControlBucket")["BucketEncryption"]);
    }

    /// <summary>The media bucket policy's Allow statements under one origin-access choice.</summary>
    private static List<JsonObject> CdnReads(string access) =>
        Templates.Resolve(T.Props("MediaBucketPolicy")["PolicyDocument"], Templates.When(access))!["Statement"]!.AsArray()
            .Select(s => s!.AsObject()).Where(s => (string?)s["Effect"] == "Allow").ToList();

    [Fact]
    public void MediaBucketPolicy_CdnAccess_IsReadOnlyForOaiOrOnlyThisDistributionForOac()
    {
        var oai = Assert.Single(CdnReads("UseOAI"));
        Assert.Equal(["GetAtt:CloudFrontOai.S3CanonicalUserId"], oai["Principal"]!["CanonicalUser"].Strings());
        Assert.Null(oai["Principal"]!["Service"]);
        var oac = Assert.Single(CdnReads("UseOAC"));
        Assert.Equal("cloudfront.amazonaws.com", (string?)oac["Principal"]!["Service"]);
        Assert.Null(oac["Principal"]!["CanonicalUser"]);
        Assert.Equal(
            ["arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"],
            oac["Condition"]!["StringEquals"]!["AWS:SourceArn"].Strings());
        foreach (var s in new[] { oai, oac })
        {
            Assert.Equal(["s3:GetObject"], s["Action"].Strings());
        }
    }

    [Theory]
    [InlineData("UseOAI")]
    [InlineData("UseOAC")]
    public void MediaBucketPolicy_CdnRead_GrantsExactlyTheServiceAllowlistInLowerAndUpperCase(string access)
    {
        var allowlist = Templates.MediaExtensions();
        Assert.Contains("jpg", allowlist);
        Assert.Contains("woff2", allowlist);
        Assert.True(allowlist.Count >= 30, $"parsed only {allowlist.Count} extensions from MediaTypes.cs");
        Assert.Equal(allowlist.Count, allowlist.Distinct(StringComparer.OrdinalIgnoreCase).Count());

        // The service's types plus the variants it writes next to images (<key>.webp, <key>.avif).
        var extensions = allowlist.Select(e => e.ToLowerInvariant()).Concat(["webp", "avif"]).Distinct();
        var expected = extensions.SelectMany(e => new[] { e, e.ToUpperInvariant() })
            .Select(e => $"${{MediaBucket.Arn}}/${{KeyPrefix}}/*.{e}").Order(StringComparer.Ordinal).ToList();
        var granted = Assert.Single(CdnReads(access))["Resource"].Strings();
        Assert.Equal(granted.Count, granted.Distinct().Count());
        Assert.Equal(expected, granted.Order(StringComparer.Ordinal).ToList());

        foreach (var resource in granted)
        {
            var extension = resource[(resource.LastIndexOf('.') + 1)..];
            Assert.DoesNotContain(extension.ToLowerInvariant(), Templates.ExecutableExtensions.Append("php"));
        }
    }

    [Fact]
    public void BucketNames_BuiltFromParameters_FunctionsNeverReferenceBuckets()
    {
        Assert.Equal(["${NamePrefix}-media-${AWS::AccountId}-${AWS::Region}"], T.Props("MediaBucket")["BucketName"].Strings());
        Assert.Equal(["${NamePrefix}-control-${AWS::AccountId}-${AWS::Region}"], T.Props("ControlBucket")["BucketName"].Strings());
        var functionsAndGlobals = T.ResourcesOfType("AWS::Serverless::Function").Select(f => (JsonNode)f.Value)
            .Append(T["Globals"]!).Append(T.Resource("VariantsInvokePermission")).Append(T.Resource("OffloadWorkerInvokePermission"))
            .Append(T.Resource("ReconcilerInvokePermission"));
        foreach (var node in functionsAndGlobals)
        {
            var text = node.ToJsonString();
            foreach (var bucket in new[] { "MediaBucket", "ControlBucket" })
            {
                Assert.DoesNotContain($"\"Ref\":\"{bucket}\"", text);
                Assert.DoesNotContain($"\"{bucket}.", text);
                Assert.DoesNotContain("${" + bucket, text);
            }
        }

        Assert.Equal(["VariantsInvokePermission"], T.Resource("MediaBucket")["DependsOn"].Strings());
        Assert.Equal(["OffloadWorkerInvokePermission", "ReconcilerInvokePermission"], T.Resource("ControlBucket")["DependsOn"].Strings());
    }

    [Fact]
    public void Variants_MediaNotifications_TriggerOnJpgJpegPngGifInBothCasesCreatedAndRemovedNeverOnVariants()
    {
        // A variant key is its source key plus .webp or .avif (docs/keys.md). S3 matches a suffix filter
        // case-sensitively against the end of the key, so no filter may match the end of any variant key, or writing
        // or deleting a variant would start Variants again.
        var variantKeys = new[] { "a.jpg", "a.JPG", "a.jpeg", "a.JPEG", "a.png", "a.PNG", "a.gif", "a.GIF" }
            .SelectMany(source => new[] { source + ".webp", source + ".avif" }).ToList();
        var configs = T.Props("MediaBucket")["NotificationConfiguration"]!["LambdaConfigurations"]!.AsArray();
        var seen = new HashSet<(string Event, string Suffix)>();
        foreach (var c in configs)
        {
            Assert.Equal("GetAtt:Variants.Arn", c!["Function"].Strings().Single());
            var rules = c["Filter"]!["S3Key"]!["Rules"]!.AsArray();
            Assert.Equal(["${KeyPrefix}/"], rules.Single(r => (string?)r!["Name"] == "prefix")!["Value"].Strings());
            var suffix = (string)rules.Single(r => (string?)r!["Name"] == "suffix")!["Value"]!;
            Assert.All(variantKeys, key => Assert.False(key.EndsWith(suffix, StringComparison.Ordinal), $"{suffix} matches {key}"));
            Assert.True(seen.Add(((string)c["Event"]!, suffix)));
        }

        var expected = new[] { ".jpg", ".jpeg", ".png", ".gif" }.SelectMany(s => new[] { s, s.ToUpperInvariant() })
            .SelectMany(s => new[] { ("s3:ObjectCreated:*", s), ("s3:ObjectRemoved:*", s) }).ToHashSet();
        Assert.True(expected.SetEquals(seen));
    }

    [Fact]
    public void ControlNotifications_CreatedObjects_JobsGoToOffloadWorkerAndCheckpointsToReconciler()
    {
        var configs = T.Props("ControlBucket")["NotificationConfiguration"]!["LambdaConfigurations"]!.AsArray()
            .ToDictionary(c => c!["Function"].Strings().Single(), c => c!);
        Assert.Equal(["GetAtt:OffloadWorker.Arn", "GetAtt:Reconciler.Arn"], configs.Keys.Order());
        foreach (var (function, prefix) in new[] { ("GetAtt:OffloadWorker.Arn", "jobs/"), ("GetAtt:Reconciler.Arn", "checkpoints/") })
        {
            Assert.Equal("s3:ObjectCreated:*", (string?)configs[function]["Event"]);
            var rules = configs[function]["Filter"]!["S3Key"]!["Rules"]!.AsArray();
            Assert.Equal(prefix, (string?)rules.Single(r => (string?)r!["Name"] == "prefix")!["Value"]);
            Assert.Equal(".json", (string?)rules.Single(r => (string?)r!["Name"] == "suffix")!["Value"]);
        }
    }

    [Fact]
    public void ControlBucket_Nonces_ExpireAfterADayAndTriggerNothing()
    {
        // docs/signing.md: a nonce only has to outlive the 300 s in which its signature could verify.
        var rules = T.Props("ControlBucket")["LifecycleConfiguration"]!["Rules"]!.AsArray();
        var nonces = Assert.Single(rules, r => (string?)r!["Prefix"] == "nonces/" || (string?)r!["Filter"]?["Prefix"] == "nonces/")!;
        Assert.Equal("Enabled", (string?)nonces["Status"]);
        Assert.Equal("1", (string?)nonces["ExpirationInDays"]);

        // Notifications are for jobs/ and checkpoints/ only; a nonce write must start no function.
        var configs = T.Props("ControlBucket")["NotificationConfiguration"]!.AsObject();
        Assert.Equal(["LambdaConfigurations"], configs.Select(c => c.Key));
        foreach (var c in configs["LambdaConfigurations"]!.AsArray())
        {
            var prefix = (string?)c!["Filter"]?["S3Key"]?["Rules"]?.AsArray().SingleOrDefault(r => (string?)r!["Name"] == "prefix")?["Value"];
            Assert.NotNull(prefix);
            Assert.Contains(prefix, new[] { "jobs/", "checkpoints/" });
            Assert.False("nonces/x".StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void S3InvokePermissions_Source_IsOnlyThisAccountAndBucket()
    {
        foreach (var (id, bucket) in new[] { ("VariantsInvokePermission", "media"), ("OffloadWorkerInvokePermission", "control"), ("ReconcilerInvokePermission", "control") })
        {
            var p = T.Props(id);
            Assert.Equal("s3.amazonaws.com", (string?)p["Principal"]);
            Assert.Equal(["Ref:AWS::AccountId"], p["SourceAccount"].Strings());
            Assert.Equal([$"arn:${{AWS::Partition}}:s3:::${{NamePrefix}}-{bucket}-${{AWS::AccountId}}-${{AWS::Region}}"], p["SourceArn"].Strings());
        }
    }
}
