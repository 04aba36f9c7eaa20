using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The pass-through endpoints the Lambda Web Adapter posts non-HTTP events to (DESIGN §2), one per function role.
/// </summary>
public static class S3EventsApi
{
    /// <summary>
    /// Status when any record failed. The template lists it in <c>AWS_LWA_ERROR_STATUS_CODES</c> so the invocation
    /// fails and Lambda's retries and on-failure destination apply.
    /// </summary>
    public const int FailedStatus = StatusCodes.Status500InternalServerError;

    public static IEndpointRouteBuilder MapS3EventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(OffloadEventHandler.EndpointPath, (HttpContext context, OffloadEventHandler handler, S3EventProcessor processor, CancellationToken ct) =>
            HandleAsync(context, handler, processor, ct));
        routes.MapPost(VariantsEventHandler.EndpointPath, (HttpContext context, VariantsEventHandler handler, S3EventProcessor processor, CancellationToken ct) =>
            HandleAsync(context, handler, processor, ct));
        return routes;
    }

    private static async Task<Results<Ok<EventResponse>, JsonHttpResult<EventResponse>, ProblemHttpResult>> HandleAsync(
        HttpContext context, IS3EventHandler handler, S3EventProcessor processor, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, cancellationToken);
        var response = await processor.ProcessAsync(handler, body.GetBuffer().AsMemory(0, (int)body.Length), cancellationToken);
        if (response is null)
        {
            return TypedResults.Problem("Expected an S3 event notification with a Records array.", statusCode: StatusCodes.Status400BadRequest, title: "Unrecognised event");
        }

        return response.AnyFailed ? TypedResults.Json(response, statusCode: FailedStatus) : TypedResults.Ok(response);
    }
}
