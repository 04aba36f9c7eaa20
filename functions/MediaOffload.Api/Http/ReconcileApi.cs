using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MediaOffload.Api.Json;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Reconcile;
using MediaOffload.Core.Json;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaOffload.Api.Http;

/// <summary>
/// Starting and continuing reconcile runs: <c>POST /events/reconcile</c> (the Reconciler's pass-through path: the
/// schedule's <c>{"action":"reconcile"}</c>, a direct backfill invoke, or a checkpoint notification) and the signed
/// <c>POST /v1/backfill</c>, which starts a run by writing its first checkpoint.
/// </summary>
public static class ReconcileApi
{
    /// <summary>The Reconciler role's event endpoint; unsigned, so only that role maps it (<see cref="Hosting.FunctionRole"/>).</summary>
    public static IEndpointRouteBuilder MapReconcileEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(ReconcileEventHandler.EndpointPath, HandleEventAsync).WithRequestSizeLimit(S3EventsApi.MaxEventBodyBytes);
        return routes;
    }

    /// <summary>The signed backfill route of the Api role.</summary>
    public static IEndpointRouteBuilder MapBackfillApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/backfill", PostBackfillAsync).WithName("PostBackfill");
        return routes;
    }

    private static async Task<Results<Ok<RunAnswer>, Ok<EventResponse>, JsonHttpResult<EventResponse>, JsonHttpResult<RunAnswer>, ProblemHttpResult>> HandleEventAsync(
        HttpContext context, EventBodyReader reader, ReconcileEventHandler handler, ReconcileRunner runner, S3EventProcessor processor,
        SiteDirectory sites, MediaStores stores, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, invocation, tooLarge) = await reader.ReadAsync(context, cancellationToken);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            json = null;
        }

        if (json is JsonObject obj && obj.ContainsKey("Records"))
        {
            var response = await processor.ProcessAsync(handler, body, invocation, cancellationToken);
            return response!.AnyFailed ? TypedResults.Json(response, ApiJsonContext.Default.EventResponse, statusCode: S3EventsApi.FailedStatus) : TypedResults.Ok(response);
        }

        ReconcileRequest? request = null;
        try
        {
            request = json is JsonObject ? json.Deserialize(CoreJsonContext.Default.ReconcileRequest) : null;
        }
        catch (JsonException)
        {
        }

        var problem = request is null ? "Expected {\"action\":\"reconcile\"}, a backfill request or an S3 notification." : request.Problem() ?? runner.Problem(request);
        if (problem is not null)
        {
            loggers.CreateLogger(typeof(ReconcileApi)).LogWarning("Unrecognised event on {Path}: {Problem}", ReconcileEventHandler.EndpointPath, problem);
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Unrecognised event");
        }

        if (request!.Site is null && sites.Sites.Count > 1)
        {
            // A network: one run per site, each against its own manifest and key space, each continued by its checkpoint.
            var started = new List<string>();
            foreach (var site in sites.Sites)
            {
                var checkpoint = runner.Start(request with { Site = site.Url });
                await stores.Control.SaveAsync(checkpoint, cancellationToken);
                started.Add(checkpoint.RunId);
            }

            return TypedResults.Ok(new RunAnswer(null, "started", null, null, started));
        }

        try
        {
            var outcome = await runner.RunAsync(runner.Start(request), invocation.Deadline, cancellationToken);
            return TypedResults.Ok(RunAnswer.From(outcome));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run could not proceed at all (manifest unreachable, bucket missing): fail the invocation for a retry.
            loggers.CreateLogger(typeof(ReconcileApi)).LogError(e, "Reconcile run failed");
            return TypedResults.Json(new RunAnswer(null, "failed", FailureText.For(e), null), ApiJsonContext.Default.RunAnswer, statusCode: S3EventsApi.FailedStatus);
        }
    }

    private static async Task<Results<Accepted<RunAnswer>, ProblemHttpResult>> PostBackfillAsync(
        HttpContext context, SignedRequestReader reader, MediaStores stores, ReconcileRunner runner, SiteDirectory sites, CancellationToken cancellationToken)
    {
        var (body, problem, signer) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        ReconcileRequest? request;
        try
        {
            request = body!.Length == 0 ? new ReconcileRequest(ReconcileRequest.Backfill) : ReconcileRequest.FromJson(body);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem($"The body is not a valid backfill request ({JsonProblem.Where(e)}).", statusCode: StatusCodes.Status400BadRequest, title: "Malformed request");
        }

        request = request is { Action: null } ? request with { Action = ReconcileRequest.Backfill } : request;
        var error = request is null ? "The body is empty."
            : request.Force ? "force (lifting the delete cap) is not accepted over HTTP; invoke the Reconciler directly or use the CLI (docs/reconcile.md)."
            : request.Problem();
        if (error is not null)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Malformed request");
        }

        // A secret bound to a site backfills that site (docs/status.md, "Sites and their secrets").
        request = request! with { Site = request.Site ?? signer!.BoundTo?.Url ?? runner.SiteOf(request).Url };
        if (runner.Problem(request) is { } siteError)
        {
            return TypedResults.Problem(siteError, statusCode: StatusCodes.Status400BadRequest, title: "Malformed request");
        }

        // The prefix is already inside the site's key space (runner.Problem); what is left is whether the signer may act for the site.
        if (SiteRules.Forbidden(signer!, sites, request.Site, []) is { } forbidden)
        {
            return TypedResults.Problem(forbidden, statusCode: StatusCodes.Status403Forbidden, title: "Not this secret's site");
        }

        var start = runner.Start(request);
        // Writing the first checkpoint starts the run: its notification invokes the Reconciler.
        await stores.Control.SaveAsync(start, cancellationToken);
        return TypedResults.Accepted((string?)null, new RunAnswer(start.RunId, "started", null, null));
    }
}

/// <summary>The answer about a run: its id, <c>started</c>/<c>continues</c>/<c>finished</c>/<c>failed</c>, and the report when finished.</summary>
/// <param name="Started">The runs a scheduled reconcile of a network started, one per site; null otherwise.</param>
public sealed record RunAnswer(string? RunId, string Status, string? Error, Core.Reconcile.ReconcileReport? Report, IReadOnlyList<string>? Started = null)
{
    public static RunAnswer From(RunOutcome outcome) =>
        new(outcome.Checkpoint.RunId, outcome.Finished ? "finished" : "continues", null, outcome.Report);
}
