using MediaOffload.Api.Offload;
using MediaOffload.Api.Reconcile;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaOffload.Api.Http;

/// <summary>
/// What became of the plugin's events and backfills (docs/status.md): the signed <c>GET /v1/jobs/{jobId}</c> and
/// <c>GET /v1/reports/{runId}</c>. An id that is not of the shape the service hands out is refused before anything is
/// read, and another site's job or report answers 404, as a missing one does, so a site cannot learn it exists.
/// </summary>
public static class StatusApi
{
    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/jobs/{jobId}", GetJobAsync).WithName("GetJobStatus");
        routes.MapGet("/v1/reports/{runId}", GetReportAsync).WithName("GetRunReport");
        return routes;
    }

    private static async Task<Results<Ok<JobStatus>, ProblemHttpResult>> GetJobAsync(
        string jobId, HttpContext context, SignedRequestReader reader, JobStatusReader statuses, CancellationToken cancellationToken)
    {
        if (!JobIds.IsWellFormed(jobId))
        {
            return MalformedId("job id", "j- and 32 lower-case hex digits");
        }

        var (_, problem, signer) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var found = await statuses.ReadAsync(jobId, cancellationToken);
        return found is { } f && signer!.MayActFor(f.Job.Site) ? TypedResults.Ok(f.Status) : NotFound("job", jobId);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetReportAsync(
        string runId, HttpContext context, SignedRequestReader reader, MediaStores stores, CancellationToken cancellationToken)
    {
        if (!ReconcileRequest.IsWellFormedRunId(runId))
        {
            return MalformedId("run id", "reconcile- or backfill-, a UTC time yyyyMMddTHHmmssZ, - and 8 lower-case hex digits");
        }

        var (_, problem, signer) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (await stores.Control.ReadAsync(RunCheckpoint.ReportKeyFor(runId), cancellationToken) is not { } bytes)
        {
            return NotFound("report", runId);
        }

        // A report that names no site (written before sites, or by hand) is the operator's: unbound secrets only.
        var report = ReconcileReport.FromJson(System.Text.Encoding.UTF8.GetString(bytes));
        return report is not null && signer!.MayActFor(report.Site)
            ? TypedResults.Bytes(bytes, "application/json")
            : NotFound("report", runId);
    }

    private static ProblemHttpResult MalformedId(string what, string shape) =>
        TypedResults.Problem($"The {what} is malformed: it must be {shape}.", statusCode: StatusCodes.Status400BadRequest, title: $"Malformed {what}");

    private static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem($"No {what} {id} for this site: it was never made, has expired, or belongs to another site.",
            statusCode: StatusCodes.Status404NotFound, title: $"No such {what}");
}
