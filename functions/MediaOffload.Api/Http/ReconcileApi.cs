using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Http;

/// <summary>
/// Starting and continuing reconcile runs: <c>POST /events/reconcile</c> (the Reconciler's pass-through path: the
/// schedule's <c>{"action":"reconcile"}</c>, a direct backfill invoke, or a checkpoint notification) and the signed
/// <c>POST /v1/backfill</c>, which starts a run by writing its first checkpoint.
/// </summary>
public static class ReconcileApi
{
    /// <summary>The Lambda Web Adapter's invocation context, a JSON object with the deadline in epoch milliseconds.</summary>
    public const string LambdaContextHeader = "x-amzn-lambda-context";

    public static IEndpointRouteBuilder MapReconcileApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(ReconcileEventHandler.EndpointPath, HandleEventAsync);
        routes.MapPost("/v1/backfill", PostBackfillAsync).WithName("PostBackfill");
        return routes;
    }

    private static async Task<Results<Ok<RunAnswer>, Ok<EventResponse>, JsonHttpResult<EventResponse>, JsonHttpResult<RunAnswer>, ProblemHttpResult>> HandleEventAsync(
        HttpContext context, ReconcileEventHandler handler, ReconcileRunner runner, S3EventProcessor processor, IOptions<OffloadOptions> options,
        TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var deadline = DeadlineFrom(context) ?? clock.GetUtcNow() + options.Value.Reconcile.InvocationBudget;
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
            ReconcileEventHandler.Deadline.Value = deadline;
            var response = await processor.ProcessAsync(handler, body, cancellationToken);
            return response!.AnyFailed ? TypedResults.Json(response, statusCode: S3EventsApi.FailedStatus) : TypedResults.Ok(response);
        }

        var request = json is JsonObject ? json.Deserialize<ReconcileRequest>() : null;
        var problem = request is null ? "Expected {\"action\":\"reconcile\"}, a backfill request or an S3 notification." : request.Problem();
        if (problem is not null)
        {
            loggers.CreateLogger(typeof(ReconcileApi)).LogWarning("Unrecognised event on {Path}: {Problem}", ReconcileEventHandler.EndpointPath, problem);
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Unrecognised event");
        }

        try
        {
            var progress = await runner.RunAsync(RunState.Start(request!, clock.GetUtcNow()), deadline, cancellationToken);
            return TypedResults.Ok(RunAnswer.From(progress));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run could not proceed at all (manifest unreachable, bucket missing): fail the invocation for a retry.
            loggers.CreateLogger(typeof(ReconcileApi)).LogError(e, "Reconcile run failed");
            return TypedResults.Json(new RunAnswer(null, "failed", e.Message, null), statusCode: S3EventsApi.FailedStatus);
        }
    }

    private static async Task<Results<Accepted<RunAnswer>, ProblemHttpResult>> PostBackfillAsync(
        HttpContext context, SignedRequestReader reader, IObjectStore store, IOptions<OffloadOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, problem) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        ReconcileRequest? request;
        try
        {
            request = body!.Length == 0 ? new ReconcileRequest(ReconcileRequest.Backfill) : JsonSerializer.Deserialize<ReconcileRequest>(body);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem($"The body is not a valid backfill request: {e.Message}", statusCode: StatusCodes.Status400BadRequest, title: "Malformed request");
        }

        request = request is { Action: null } ? request with { Action = ReconcileRequest.Backfill } : request;
        var error = request is null ? "The body is empty." : request.Problem();
        if (error is not null)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Malformed request");
        }

        var state = RunState.Start(request!, clock.GetUtcNow());
        using var content = new MemoryStream(state.ToJson(), writable: false);
        // Writing the first checkpoint starts the run: its notification invokes the Reconciler.
        await store.PutAsync(new ObjectWrite(options.Value.ControlBucket, RunState.KeyFor(state.RunId),
            new ObjectHeaders("application/json", "no-store", new Dictionary<string, string>())), content, cancellationToken);
        return TypedResults.Accepted((string?)null, new RunAnswer(state.RunId, "started", null, null));
    }

    private static DateTimeOffset? DeadlineFrom(HttpContext context)
    {
        var header = context.Request.Headers[LambdaContextHeader].ToString();
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        try
        {
            var node = JsonNode.Parse(header);
            var ms = node?["deadline"] ?? node?["deadline_ms"];
            return ms is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms.ToString(), CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is JsonException or FormatException or OverflowException)
        {
            return null;
        }
    }
}

/// <summary>The answer about a run: its id, <c>started</c>/<c>continues</c>/<c>finished</c>/<c>failed</c>, and the report when finished.</summary>
public sealed record RunAnswer(
    [property: JsonPropertyName("runId")] string? RunId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("report")] Core.Reconcile.ReconcileReport? Report)
{
    public static RunAnswer From(RunProgress progress) =>
        new(progress.State.RunId, progress.Finished ? "finished" : "continues", null, progress.Report);
}
