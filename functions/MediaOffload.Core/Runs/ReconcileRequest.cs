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
public sealed record ReconcileRequest(string? Action, string? Prefix = null, bool? DryRun = null, bool Delete = false, bool Force = false, bool BatchManifest = false)
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

    /// <summary>A run id: the action, the UTC start time and a short hash of the request, e.g. <c>backfill-20241101T100000Z-3f2a9c1d</c>.</summary>
    public string NewRunId(DateTimeOffset now)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{Action}|{Prefix}|{DryRun}|{Delete}|{Force}|{BatchManifest}|{now.UtcTicks}"));
        return $"{Action}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(hash.AsSpan(0, 4))}";
    }
}
