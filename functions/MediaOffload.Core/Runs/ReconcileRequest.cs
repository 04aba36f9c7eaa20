using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Json;
using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Runs;

/// <summary>
/// An invocation of the reconciler (docs/reconcile.md): <c>{"action":"reconcile"}</c> from the schedule, or
/// <c>{"action":"backfill","prefix":"2019/","dryRun":false,"delete":false}</c> by direct invoke or signed
/// <c>POST /v1/backfill</c>.
/// </summary>
/// <param name="Action"><c>reconcile</c> or <c>backfill</c>.</param>
/// <param name="Prefix">Limits the run to paths under this uploads-relative prefix, e.g. <c>2019/</c>. Default: everything.</param>
/// <param name="DryRun">
/// Plan and report only. When absent it follows <paramref name="Delete"/>: a destructive run is a dry run unless
/// <c>"dryRun": false</c> is said explicitly (docs/reconcile.md); otherwise drift is fixed.
/// </param>
/// <param name="Delete">Delete orphans. Default false; a safety cap still applies unless <see cref="Force"/>.</param>
/// <param name="Force">Lift the mass-delete cap. Default false.</param>
/// <param name="BatchManifest">Instead of fixing headers in place, write an S3 Batch Operations manifest of the keys. Default false.</param>
/// <param name="Site">
/// Which site of a network to run for, by its URL (docs/status.md, "Sites and their secrets"). Default: a scheduled
/// reconcile runs every site, a backfill the main site, or the one site its signer's secret is bound to.
/// </param>
public sealed record ReconcileRequest(string? Action, string? Prefix = null, bool? DryRun = null, bool Delete = false, bool Force = false, bool BatchManifest = false,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Site = null)
{
    public const string Reconcile = "reconcile";

    /// <summary>Whether the run only plans: <see cref="DryRun"/> when given, else <see cref="Delete"/>.</summary>
    [JsonIgnore]
    public bool IsDryRun => DryRun ?? Delete;
    public const string Backfill = "backfill";

    /// <summary>Reads a request; throws <see cref="JsonException"/> on bad JSON.</summary>
    public static ReconcileRequest? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, CoreJsonContext.Default.ReconcileRequest);

    /// <summary>Null when the request can run, else what is wrong with it.</summary>
    public string? Problem()
    {
        if (Action is not (Reconcile or Backfill))
        {
            return $"action must be '{Reconcile}' or '{Backfill}'";
        }

        if (!string.IsNullOrEmpty(Prefix) && !MediaPath.TryParse(Prefix.TrimEnd('/') + "/x", out _, out var error))
        {
            return $"prefix is not a valid uploads path: {error}";
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="runId"/> has the shape <see cref="NewRunId"/> gives: the action, <c>-</c>, a UTC time
    /// <c>yyyyMMddTHHmmssZ</c>, <c>-</c> and 8 lower-case hex digits. Anything else is refused before it can name a key.
    /// </summary>
    public static bool IsWellFormedRunId(string? runId)
    {
        if (runId is null)
        {
            return false;
        }

        var rest = runId.StartsWith(Reconcile + "-", StringComparison.Ordinal) ? runId.AsSpan(Reconcile.Length + 1)
            : runId.StartsWith(Backfill + "-", StringComparison.Ordinal) ? runId.AsSpan(Backfill.Length + 1)
            : default;
        return rest.Length == 25
            && rest[..8].IndexOfAnyExcept("0123456789") < 0 && rest[8] == 'T'
            && rest[9..15].IndexOfAnyExcept("0123456789") < 0 && rest[15] == 'Z' && rest[16] == '-'
            && rest[17..].IndexOfAnyExcept("0123456789abcdef") < 0;
    }

    /// <summary>A run id: the action, the UTC start time and a short hash of the request, e.g. <c>backfill-20241101T100000Z-3f2a9c1d</c>.</summary>
    public string NewRunId(DateTimeOffset now)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{Action}|{Prefix}|{DryRun}|{Delete}|{Force}|{BatchManifest}|{Site}|{now.UtcTicks}"));
        return $"{Action}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(hash.AsSpan(0, 4))}";
    }
}
