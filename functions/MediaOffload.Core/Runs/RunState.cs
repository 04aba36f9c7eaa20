using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Core.Runs;

/// <summary>
/// A reconcile run between Lambda invocations, stored in the control bucket at <c>checkpoints/{RunId}.json</c>.
/// Writing it is what continues the run: its ObjectCreated notification invokes the reconciler again.
/// </summary>
/// <param name="RunId">Names the run, its checkpoint and its report.</param>
/// <param name="Request">What was asked for.</param>
/// <param name="StartedAt">When the first invocation started.</param>
/// <param name="Invocation">How many invocations have worked on it, counting the next one.</param>
/// <param name="After">Every plan item at or before this key is done; null before the first.</param>
/// <param name="Planned">Items planned so far by action name (each invocation adds what it planned past <see cref="After"/>).</param>
/// <param name="Done">Items carried out so far by action name.</param>
/// <param name="Bytes">Bytes handed to the offload worker so far.</param>
/// <param name="DeleteRefused">Why orphan deletion was refused (the mass-delete cap), decided once per run.</param>
/// <param name="Failures">Failed items, up to a cap, with reasons.</param>
/// <param name="Skipped">Files and objects left alone on purpose, up to the same cap, with reasons.</param>
/// <param name="ManifestFailures">Invocations in a row that could not read the manifest; the run ends at a cap.</param>
public sealed record RunState(
    [property: JsonPropertyName("runId")] string RunId,
    [property: JsonPropertyName("request")] ReconcileRequest Request,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("invocation")] int Invocation,
    [property: JsonPropertyName("after")] string? After,
    [property: JsonPropertyName("planned")] IReadOnlyDictionary<string, long> Planned,
    [property: JsonPropertyName("done")] IReadOnlyDictionary<string, long> Done,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("deleteRefused")] string? DeleteRefused,
    [property: JsonPropertyName("failures")] IReadOnlyList<ReconcileFailure> Failures,
    [property: JsonPropertyName("skipped")] IReadOnlyList<ReconcileSkip>? Skipped = null,
    [property: JsonPropertyName("manifestFailures")] int ManifestFailures = 0)
{
    /// <summary>The control-bucket key of a run's checkpoint.</summary>
    public static string KeyFor(string runId) => $"{Checkpoint.KeyPrefix}{runId}.json";

    /// <summary>The control-bucket key of a run's report.</summary>
    public static string ReportKeyFor(string runId) => $"reports/{runId}.json";

    /// <summary>A run that has not started.</summary>
    public static RunState Start(ReconcileRequest request, DateTimeOffset now) =>
        new(request.NewRunId(now), request, now, 1, null, new Dictionary<string, long>(), new Dictionary<string, long>(), 0, null, []);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static RunState? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<RunState>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
