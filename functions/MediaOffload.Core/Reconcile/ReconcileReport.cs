using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaOffload.Core.Reconcile;

/// <summary>A step that failed, with the reason an operator needs.</summary>
public sealed record ReconcileFailure(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>A file or object left alone on purpose, with why.</summary>
public sealed record ReconcileSkip(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>One planned change, as a dry run lists it.</summary>
public sealed record PlannedStep(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// The JSON report of a run (the CLI writes it with <c>--report</c>; the Lambda side under <c>reports/</c>).
/// <see cref="Planned"/> counts what the plan found, <see cref="Done"/> what was carried out.
/// </summary>
public sealed record ReconcileReport
{
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("command")] public required string Command { get; init; }
    [JsonPropertyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("prefix")] public required string Prefix { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("dryRun")] public bool DryRun { get; init; }
    [JsonPropertyName("resumedAfter")] public string? ResumedAfter { get; init; }
    [JsonPropertyName("startedAt")] public DateTimeOffset StartedAt { get; init; }
    [JsonPropertyName("finishedAt")] public DateTimeOffset FinishedAt { get; init; }
    [JsonPropertyName("planned")] public required IReadOnlyDictionary<string, long> Planned { get; init; }
    [JsonPropertyName("done")] public required IReadOnlyDictionary<string, long> Done { get; init; }
    [JsonPropertyName("bytesPlanned")] public long BytesPlanned { get; init; }
    [JsonPropertyName("bytesDone")] public long BytesDone { get; init; }
    [JsonPropertyName("requests")] public required IReadOnlyDictionary<string, long> Requests { get; init; }
    [JsonPropertyName("deleteRefused")] public string? DeleteRefused { get; init; }
    [JsonPropertyName("failures")] public required IReadOnlyList<ReconcileFailure> Failures { get; init; }

    /// <summary>Every failure, those past the listing cap of <see cref="Failures"/> included.</summary>
    [JsonPropertyName("failureCount")] public long FailureCount { get; init; }
    [JsonPropertyName("skipped")] public required IReadOnlyList<ReconcileSkip> Skipped { get; init; }
    [JsonPropertyName("drift")] public long Drift { get; init; }

    /// <summary>The planned changes, for dry runs and report-only runs; null otherwise.</summary>
    [JsonPropertyName("plan")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PlannedStep>? Plan { get; init; }

    /// <summary>True when nothing is left to do and nothing failed.</summary>
    [JsonPropertyName("inSync")] public bool InSync => Drift == 0 && Failures.Count == 0 && FailureCount == 0;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Serialises the report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a report.</summary>
    public static ReconcileReport? FromJson(string json) => JsonSerializer.Deserialize<ReconcileReport>(json, Json);
}
