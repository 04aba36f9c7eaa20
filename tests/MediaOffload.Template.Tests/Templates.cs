using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace MediaOffload.Template.Tests;

/// <summary>
/// The repository's templates parsed with a plain YAML reader (they use long-form intrinsics, so no custom tags)
/// into JSON nodes, in which every scalar is a string.
/// </summary>
public static class Templates
{
    public static readonly string RepoRoot = FindRepoRoot();

    public static string PathOf(string relative) => Path.Combine(RepoRoot, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>
    /// The service's allowlist of offloadable extensions, read from its source (each <c>new("ext", ...)</c> entry of
    /// MediaTypes.cs), so the template cannot drift from what the service actually offloads.
    /// </summary>
    public static IReadOnlyList<string> MediaExtensions() =>
        System.Text.RegularExpressions.Regex.Matches(Read("functions/MediaOffload.Core/Media/MediaTypes.cs"), @"\bnew\(""([A-Za-z0-9]+)"",")
            .Select(m => m.Groups[1].Value).ToList();

    /// <summary>Types a browser can execute or render as a page: never served from the media bucket.</summary>
    public static readonly string[] ExecutableExtensions = ["svg", "js", "css", "html", "htm"];

    private static readonly Lazy<JsonObject> MainTemplate = new(() => Load("serverless.template"));
    private static readonly Lazy<JsonObject> FrontTemplate = new(() => Load("infra/front.yaml"));
    private static readonly Lazy<JsonObject> EdgeTemplate = new(() => Load("infra/edge-waf.yaml"));

    public static JsonObject Main => MainTemplate.Value;

    public static JsonObject Front => FrontTemplate.Value;

    /// <summary>infra/edge-waf.yaml, the optional CLOUDFRONT-scope web ACL (its own stack, in us-east-1).</summary>
    public static JsonObject Edge => EdgeTemplate.Value;

    public static JsonObject Load(string relative)
    {
        var yaml = new DeserializerBuilder().Build().Deserialize<object>(Read(relative));
        return (JsonObject)ToNode(yaml)!;
    }

    public static JsonObject Resource(this JsonObject template, string logicalId) =>
        template["Resources"]?[logicalId] as JsonObject ?? throw new Xunit.Sdk.XunitException($"no resource {logicalId}");

    public static JsonObject Props(this JsonObject template, string logicalId) =>
        (JsonObject)template.Resource(logicalId)["Properties"]!;

    public static IEnumerable<KeyValuePair<string, JsonObject>> ResourcesOfType(this JsonObject template, string type) =>
        template["Resources"]!.AsObject()
            .Where(r => (string?)r.Value!["Type"] == type)
            .Select(r => new KeyValuePair<string, JsonObject>(r.Key, r.Value!.AsObject()));

    /// <summary>Every node below <paramref name="node"/>, itself included.</summary>
    public static IEnumerable<JsonNode> Descendants(this JsonNode? node)
    {
        if (node is null)
        {
            yield break;
        }

        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var d in child.Descendants())
            {
                yield return d;
            }
        }
    }

    /// <summary>
    /// The items of a list that may be written as a list whose entries are <c>Fn::If [cond, item, AWS::NoValue]</c>;
    /// both branches are returned, so assertions hold for every parameter choice.
    /// </summary>
    public static IEnumerable<JsonObject> Items(this JsonNode? list)
    {
        foreach (var item in list?.AsArray() ?? [])
        {
            foreach (var branch in Branches(item))
            {
                yield return branch;
            }
        }
    }

    /// <summary>Both branches of an <c>Fn::If</c> (skipping <c>AWS::NoValue</c>), or the object itself.</summary>
    public static IEnumerable<JsonObject> Branches(JsonNode? node)
    {
        if (node is JsonObject o && o["Fn::If"] is JsonArray args)
        {
            foreach (var branch in args.Skip(1))
            {
                if (branch is JsonObject b && (string?)b["Ref"] == "AWS::NoValue")
                {
                    continue;
                }

                foreach (var inner in Branches(branch))
                {
                    yield return inner;
                }
            }
        }
        else if (node is JsonObject plain)
        {
            yield return plain;
        }
    }

    /// <summary>
    /// A copy of <paramref name="node"/> as CloudFormation sees it for one choice of conditions: every
    /// <c>Fn::If</c> replaced by the branch <paramref name="isTrue"/> picks, and every <c>AWS::NoValue</c> dropped
    /// from its object or list.
    /// </summary>
    public static JsonNode? Resolve(JsonNode? node, Func<string, bool> isTrue)
    {
        switch (node)
        {
            case JsonObject o when o["Fn::If"] is JsonArray args:
                Assert.Equal(3, args.Count);
                return Resolve(isTrue((string)args[0]!) ? args[1] : args[2], isTrue);
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    var resolved = Resolve(value, isTrue);
                    if (!IsNoValue(resolved))
                    {
                        copy[key] = resolved;
                    }
                }

                return copy;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var item in a)
                {
                    var resolved = Resolve(item, isTrue);
                    if (!IsNoValue(resolved))
                    {
                        list.Add(resolved);
                    }
                }

                return list;
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>A condition predicate for <see cref="Resolve"/>: the named conditions hold, all others do not.</summary>
    public static Func<string, bool> When(params string[] trueConditions) => c => trueConditions.Contains(c);

    private static bool IsNoValue(JsonNode? node) => node is JsonObject o && (string?)o["Ref"] == "AWS::NoValue";

    /// <summary>A scalar or a list of scalars as strings (an Fn::Sub string is returned as its template).</summary>
    public static List<string> Strings(this JsonNode? node) => node switch
    {
        null => [],
        JsonValue v => [v.GetValue<string>()],
        JsonArray a => a.SelectMany(Strings).ToList(),
        JsonObject o when o["Fn::Sub"] is JsonValue s => [s.GetValue<string>()],
        JsonObject o when o["Fn::Sub"] is JsonArray s => [s[0]!.GetValue<string>()],
        JsonObject o when o["Fn::GetAtt"] is JsonValue g => ["GetAtt:" + g.GetValue<string>()],
        JsonObject o when o["Ref"] is JsonValue r => ["Ref:" + r.GetValue<string>()],
        _ => [node.ToJsonString()],
    };

    private static JsonNode? ToNode(object? yaml) => yaml switch
    {
        null => null,
        Dictionary<object, object> map => new JsonObject(map.Select(p => new KeyValuePair<string, JsonNode?>((string)p.Key, ToNode(p.Value)))),
        List<object> list => new JsonArray(list.Select(ToNode).ToArray()),
        _ => JsonValue.Create(yaml.ToString()),
    };

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "serverless.template")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("serverless.template not found above " + AppContext.BaseDirectory);
    }
}
