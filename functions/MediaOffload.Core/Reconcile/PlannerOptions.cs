using System.Text.Json.Serialization;
using MediaOffload.Core.Media;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Reconcile;

/// <summary>What the planner compares against.</summary>
public sealed record PlannerOptions
{
    /// <summary>Maps paths to keys. Default prefix <c>wp-content/uploads</c>.</summary>
    public MediaKeys Keys { get; init; } = new();

    /// <summary>The cache policy whose headers and version objects must carry. Default: no overrides.</summary>
    public CachePolicy Policy { get; init; } = new();

    /// <summary>
    /// The variant formats sources need (<see cref="VariantKeys.TargetsFor"/>): <c>&lt;key&gt;.avif</c> and
    /// <c>&lt;key&gt;.webp</c>. A variant of a format not listed is an orphan. Default both, as
    /// <see cref="VariantOptions.Formats"/>; empty plans no variants.
    /// </summary>
    public IReadOnlySet<VariantTarget> VariantFormats { get; init; } = VariantKeys.AllTargets;

    /// <summary>
    /// Whether the source is the record of who owns each key: the plugin's manifest, built from its owner index
    /// (docs/keys.md). Then an object recorded for another owner is rewritten for the source's. When false (a local
    /// folder, which has no such record) the object is left alone and the file skipped. Default false.
    /// </summary>
    public bool SourceOwnsKeys { get; init; }

    /// <summary>
    /// Where an interrupted run resumes: inputs at or before its key are skipped, and the variants its sources left
    /// open come back with it. Default null (plan everything).
    /// </summary>
    public PlanResume? Resume { get; init; }

    /// <summary>The prefix to list the bucket under: <c>{Keys.Prefix}/</c>, or empty for the bucket root.</summary>
    public string ListPrefix => Keys.Prefix.Length == 0 ? string.Empty : Keys.Prefix + "/";

    /// <summary>The key of a source path.</summary>
    public string KeyFor(string path) => Keys.Prefix.Length == 0 ? path : $"{Keys.Prefix}/{path}";
}

/// <summary>Where a plan resumes: every item at or before <paramref name="After"/> is done.</summary>
/// <param name="After">The last key whose item, and every earlier one, finished.</param>
/// <param name="Pending">The variants still expected after it (<see cref="ReconcilePlanner.Pending"/> when it stopped).</param>
// PascalCase on purpose: these fields were written before camelCase became the default, and checkpoints in flight
// must still read (names are matched case-sensitively).
public sealed record PlanResume([property: JsonPropertyName("After")] string After, [property: JsonPropertyName("Pending")] IReadOnlyList<PendingVariant> Pending);
