using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Http;
using MediaOffload.Api.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// The pass-through endpoints the Lambda Web Adapter posts non-HTTP events to, one per function role
/// (docs/deploy.md). They are unsigned, so only the event roles map them (<see cref="Hosting.FunctionRole"/>).
/// </summary>
public static class S3EventsApi
{
    /// <summary>
    /// Status when any record failed. The template lists it in <c>AWS_LWA_ERROR_STATUS_CODES</c> so the invocation
    /// fails and Lambda's retries and on-failure destination apply.
    /// </summary>
    public const int FailedStatus = StatusCodes.Status500InternalServerError;

    /// <summary>
    /// Largest event body: 1 MiB, Lambda's payload limit for asynchronous invocations, which is how S3 notifications,
    /// schedules and checkpoint notifications arrive. Nothing larger can come from Lambda, so anything larger is not
    /// an event.
    /// </summary>
    public const int MaxEventBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapOffloadEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(OffloadEventHandler.EndpointPath, (HttpContext context, OffloadEventHandler handler, S3EventProcessor processor, EventBodyReader reader, CancellationToken ct) =>
            HandleAsync(context, handler, processor, reader, ct)).WithRequestSizeLimit(MaxEventBodyBytes);
        return routes;
    }

    public static IEndpointRouteBuilder MapVariantsEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(VariantsEventHandler.EndpointPath, (HttpContext context, VariantsEventHandler handler, S3EventProcessor processor, EventBodyReader reader, CancellationToken ct) =>
            HandleAsync(context, handler, processor, reader, ct)).WithRequestSizeLimit(MaxEventBodyBytes);
        return routes;
    }

    /// <summary>Declares the body limit on the endpoint, which the server enforces too, besides the bounded read.</summary>
    public static RouteHandlerBuilder WithRequestSizeLimit(this RouteHandlerBuilder builder, long bytes) =>
        builder.WithMetadata(new BodySizeLimit(bytes));

    private sealed record BodySizeLimit(long? MaxRequestBodySize) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata;

    private static async Task<Results<Ok<EventResponse>, JsonHttpResult<EventResponse>, ProblemHttpResult>> HandleAsync(
        HttpContext context, IS3EventHandler handler, S3EventProcessor processor, EventBodyReader reader, CancellationToken cancellationToken)
    {
        var (body, invocation, problem) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var response = await processor.ProcessAsync(handler, body, invocation, cancellationToken);
        if (response is null)
        {
            return TypedResults.Problem("Expected an S3 event notification with a Records array.", statusCode: StatusCodes.Status400BadRequest, title: "Unrecognised event");
        }

        return response.AnyFailed ? TypedResults.Json(response, ApiJsonContext.Default.EventResponse, statusCode: FailedStatus) : TypedResults.Ok(response);
    }
}

/// <summary>Reads an event endpoint's body under <see cref="S3EventsApi.MaxEventBodyBytes"/> and the invocation it came in.</summary>
public sealed class EventBodyReader(IOptions<OffloadOptions> options, TimeProvider clock)
{
    public async Task<(byte[] Body, Invocation Invocation, ProblemHttpResult? Problem)> ReadAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var invocation = Invocation.From(context, clock, options.Value.InvocationBudget);
        var body = context.Request.ContentLength > S3EventsApi.MaxEventBodyBytes
            ? null
            : await BoundedRead.ReadAsync(context.Request.Body, S3EventsApi.MaxEventBodyBytes, cancellationToken);
        return body is null
            ? ([], invocation, TypedResults.Problem($"The event exceeds {S3EventsApi.MaxEventBodyBytes} bytes, Lambda's asynchronous payload limit.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Event too large"))
            : (body, invocation, null);
    }
}
