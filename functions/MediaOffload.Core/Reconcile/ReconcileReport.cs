using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Json;

namespace MediaOffload.Core.Reconcile;

/// <summary>A step that failed, with the reason an operator needs.</summary>
public sealed record ReconcileFailure(string Key, string Action, string Reason);

/// <summary>A file or object left alone on purpose, with why.</summary>
public sealed record ReconcileSkip(string Key, string Reason);

/// <summary>One planned change, as a dry run lists it.</summary>
public sealed record PlannedStep(string Action, string Key, string Reason);

/// <summary>
/// The JSON report of a run (the CLI writes it with <c>--report</c>; the Lambda side under <c>reports/</c>).
/// <see cref="Planned"/> counts what the plan found, <see cref="Done"/> what was carried out.
/// </summary>
public sealed record ReconcileReport
{
    public int Version { get; init; } = 1;
    public required string Command { get; init; }
    public required string Bucket { get; init; }
    public required string Prefix { get; init; }
    public string? Source { get; init; }

    /// <summary>The site a service run was for, which decides who may read the report (docs/status.md); null for the CLI.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Site { get; init; }
    public bool DryRun { get; init; }
    public string? ResumedAfter { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public required IReadOnlyDictionary<string, long> Planned { get; init; }
    public required IReadOnlyDictionary<string, long> Done { get; init; }
    public long BytesPlanned { get; init; }
    public long BytesDone { get; init; }
    public required IReadOnlyDictionary<string, long> Requests { get; init; }
    public string? DeleteRefused { get; init; }
    public required IReadOnlyList<ReconcileFailure> Failures { get; init; }

    /// <summary>Every failure, those past the listing cap of <see cref="Failures"/> included.</summary>
    public long FailureCount { get; init; }
    public required IReadOnlyList<ReconcileSkip> Skipped { get; init; }
    public long Drift { get; init; }

    /// <summary>The planned changes, for dry runs and report-only runs; null otherwise.</summary>
[JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PlannedStep>? Plan { get; init; }

    /// <summary>True when nothing is left to do and nothing failed.</summary>
    public bool InSync => Drift == 0 && Failures.Count == 0 && FailureCount == 0;

    /// <summary>Serialises the report as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, CoreJsonContext.Indented.ReconcileReport);

    /// <summary>Parses a report.</summary>
    public static ReconcileReport? FromJson(string json) => JsonSerializer.Deserialize(json, CoreJsonContext.Indented.ReconcileReport);
}
