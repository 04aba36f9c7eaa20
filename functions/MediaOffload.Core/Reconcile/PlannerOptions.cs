using MediaOffload.Core.Media;
using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Reconcile;

/// <summary>What the planner compares against.</summary>
public sealed record PlannerOptions
{
    /// <summary>Maps paths to keys. Default prefix <c>wp-content/uploads</c>.</summary>
    public MediaKeys Keys { get; init; } = new();

    /// <summary>The cache policy whose headers and version objects must carry. Default: no overrides.</summary>
    public CachePolicy Policy { get; init; } = new();

    /// <summary>Whether JPEG, PNG and GIF sources need a <c>&lt;key&gt;.webp</c> variant. Default true.</summary>
    public bool Variants { get; init; } = true;

    /// <summary>
    /// Whether the source is the record of who owns each key: the plugin's manifest, built from its owner index
    /// (docs/keys.md). Then an object recorded for another owner is rewritten for the source's. When false (a local
    /// folder, which has no such record) the object is left alone and the file skipped. Default false.
    /// </summary>
    public bool SourceOwnsKeys { get; init; }

    /// <summary>
    /// A checkpoint key: items at or before it (in <see cref="KeyOrder.Utf8"/> order) were done by an earlier run
    /// and are not emitted. The inputs are still read from the start, because a variant after the checkpoint
    /// needs its source from before it. Default null (emit everything).
    /// </summary>
    public string? ResumeAfter { get; init; }

    /// <summary>The prefix to list the bucket under: <c>{Keys.Prefix}/</c>, or empty for the bucket root.</summary>
    public string ListPrefix => Keys.Prefix.Length == 0 ? string.Empty : Keys.Prefix + "/";

    /// <summary>The key of a source path.</summary>
    public string KeyFor(string path) => Keys.Prefix.Length == 0 ? path : $"{Keys.Prefix}/{path}";
}
