using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Json;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Core.Runs;

/// <summary>
/// A run between two stretches of work, in one format for both engines (docs/reconcile.md, "Checkpoint format"): the
/// CLI keeps it in its <c>--checkpoint</c> file, the Reconciler in the control bucket at
/// <c>checkpoints/{RunId}.json</c>, where writing it is what continues the run (its notification invokes the next
/// invocation). A run resumes from <see cref="Resume"/> without reading its inputs from the start.
/// </summary>
public sealed record RunCheckpoint
{
    /// <summary>The control-bucket prefix of checkpoints.</summary>
    public const string KeyPrefix = "checkpoints/";

    /// <summary>The format; a checkpoint of another version is ignored and the run starts afresh.</summary>
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>Names the run, its checkpoint and its report.</summary>
    public required string RunId { get; init; }

    /// <summary>What the run compares, e.g. <c>s3://bucket/prefix/ &lt;- /var/www/uploads</c>; a resume needs the same.</summary>
    public required string Scope { get; init; }

    /// <summary>What was asked for.</summary>
    public required ReconcileRequest Request { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How many stretches of work (Lambda invocations) the run has had, counting the next one.</summary>
    public int Invocation { get; init; } = 1;

    /// <summary>Where the plan resumes; null before the first item finished.</summary>
    public PlanResume? Resume { get; init; }

    /// <summary>Where the source listing resumes (a manifest page cursor); null to read it from its start.</summary>
    public string? SourceCursor { get; init; }

    /// <summary>Items planned so far, by action name.</summary>
    public IReadOnlyDictionary<string, long> Planned { get; init; } = new Dictionary<string, long>();

    /// <summary>Items carried out so far, by action name.</summary>
    public IReadOnlyDictionary<string, long> Done { get; init; } = new Dictionary<string, long>();

    /// <summary>Items left as they are because an earlier run already reported them for good, by action name.</summary>
    public IReadOnlyDictionary<string, long> Settled { get; init; } = new Dictionary<string, long>();

    public long BytesPlanned { get; init; }

    public long BytesDone { get; init; }

    /// <summary>Objects the bucket listing showed so far, for the share-of-bucket delete cap.</summary>
    public long Listed { get; init; }

    /// <summary>Orphans found so far, deleted or not.</summary>
    public long Orphans { get; init; }

    /// <summary>Orphans waiting for the delete cap, decided when the plan ends; at most one more than the cap.</summary>
    public IReadOnlyList<PendingDelete> PendingDeletes { get; init; } = [];

    /// <summary>Why orphans were not deleted (the mass-delete cap), once decided.</summary>
    public string? DeleteRefused { get; init; }

    /// <summary>Failed items, up to the cap, with reasons.</summary>
    public IReadOnlyList<ReconcileFailure> Failures { get; init; } = [];

    /// <summary>Every failure, the ones past the cap included.</summary>
    public long FailureCount { get; init; }

    /// <summary>Files and objects left alone on purpose, up to the cap, with reasons.</summary>
    public IReadOnlyList<ReconcileSkip> Skipped { get; init; } = [];

    /// <summary>The changes planned so far, up to the cap, for a dry run's report.</summary>
    public IReadOnlyList<PlannedStep> Plan { get; init; } = [];

    /// <summary>Storage requests made so far, by kind.</summary>
    public IReadOnlyDictionary<string, long> Requests { get; init; } = new Dictionary<string, long>();

    /// <summary>Stretches in a row that could not read their source (the manifest); the run ends at a cap.</summary>
    public int SourceFailures { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The key of the last item done, or null.</summary>
    [JsonIgnore] public string? After => Resume?.After;

    /// <summary>The control-bucket key of a run's checkpoint.</summary>
    public static string KeyFor(string runId) => $"{KeyPrefix}{runId}.json";

    /// <summary>The control-bucket key of a run's report.</summary>
    public static string ReportKeyFor(string runId) => $"reports/{runId}.json";

    /// <summary>A run that has not started.</summary>
    public static RunCheckpoint Start(ReconcileRequest request, string scope, DateTimeOffset now) =>
        new() { RunId = request.NewRunId(now), Scope = scope, Request = request, StartedAt = now, UpdatedAt = now };

    /// <summary>The checkpoint as compact UTF-8 JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CoreJsonContext.Default.RunCheckpoint);

    /// <summary>A checkpoint, or null when the bytes are not one of this version (a torn or foreign file).</summary>
    public static RunCheckpoint? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var checkpoint = JsonSerializer.Deserialize(json, CoreJsonContext.Default.RunCheckpoint);
            return checkpoint is { Version: CurrentVersion, RunId: not null, Scope: not null, Request: not null } ? checkpoint : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>An orphan waiting for the delete cap: its key, and the ETag it had, so a rewritten object is not deleted.</summary>
public sealed record PendingDelete(
    string Key,
    [property: JsonPropertyName("etag")] string ETag);
