using System.Runtime.CompilerServices;

namespace MediaOffload.Core.Reconcile;

/// <summary>
/// Writes the S3 Batch Operations CSV manifest (<c>bucket,key</c>, key URL-encoded as Batch Operations requires)
/// for the <see cref="PlanAction.FixHeaders"/> items of a plan. Used when a library is too large to copy in place
/// from one process; see docs/reconcile.md for the job that consumes it.
/// </summary>
public static class BatchOperationsManifest
{
    /// <summary>Writes one line per header fix and returns how many were written.</summary>
    public static async Task<long> WriteCsvAsync(IAsyncEnumerable<PlanItem> plan, string bucket, TextWriter writer, CancellationToken cancellationToken = default)
    {
        long lines = 0;
        await foreach (var item in plan.WithCancellation(cancellationToken))
        {
            if (item.Action == PlanAction.FixHeaders)
            {
                await writer.WriteAsync(Line(bucket, item.Key).AsMemory(), cancellationToken);
                lines++;
            }
        }

        await writer.FlushAsync(cancellationToken);
        return lines;
    }

    /// <summary>One CSV line, with its line feed.</summary>
    public static string Line(string bucket, string key) => $"{bucket},{EncodeKey(key)}\n";

    /// <summary>Percent-encodes each segment of a key (UTF-8), keeping the slashes.</summary>
    public static string EncodeKey(string key) => string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Filters a plan stream to what the manifest holds; handy for tests and callers that tee.</summary>
    public static async IAsyncEnumerable<PlanItem> HeaderFixes(IAsyncEnumerable<PlanItem> plan, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in plan.WithCancellation(cancellationToken))
        {
            if (item.Action == PlanAction.FixHeaders)
            {
                yield return item;
            }
        }
    }
}
