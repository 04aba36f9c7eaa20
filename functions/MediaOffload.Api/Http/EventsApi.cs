using System.Text.Json;
using MediaOffload.Api.Offload;
using MediaOffload.Core.Events;
using MediaOffload.Core.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaOffload.Api.Http;

/// <summary><c>POST /v1/events</c>: the signed upload, edit and delete events from the WordPress shim.</summary>
public static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/events", PostEventAsync).WithName("PostMediaEvent");
        return routes;
    }

    internal static async Task<Results<Accepted<EventAccepted>, ProblemHttpResult>> PostEventAsync(
        HttpContext context, SignedRequestReader reader, EventRules rules, SiteDirectory sites, JobStore jobs, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(EventsApi));
        var (body, problem, signer) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!context.Request.HasJsonContentType())
        {
            return BadRequest("Content-Type must be application/json.");
        }

        MediaEvent? evt;
        try
        {
            evt = MediaEvent.FromJson(body);
        }
        catch (JsonException e)
        {
            return BadRequest($"The body is not valid event JSON ({JsonProblem.Where(e)}).");
        }

        if (evt is null)
        {
            return BadRequest("The body is empty.");
        }

        var validation = EventValidator.Validate(evt, rules);
        if (!validation.IsValid)
        {
            var status = validation.Problem == EventProblem.Malformed ? StatusCodes.Status400BadRequest : StatusCodes.Status422UnprocessableEntity;
            logger.LogWarning("Refused event for attachment {AttachmentId} with {Status}: {Fields}", evt.AttachmentId, status, string.Join(", ", validation.Errors.Keys));
            return TypedResults.Problem(new HttpValidationProblemDetails(validation.Errors)
            {
                Status = status,
                Title = status == StatusCodes.Status400BadRequest ? "Malformed event" : "Event names files that may not be offloaded",
            });
        }

        var job = validation.Job!;
        if (SiteRules.Forbidden(signer!, sites, job.Site, job.Files.Select(f => f.Path)) is { } forbidden)
        {
            logger.LogWarning("Refused event for attachment {AttachmentId}: {Reason}", job.AttachmentId, forbidden);
            return TypedResults.Problem(forbidden, statusCode: StatusCodes.Status403Forbidden, title: "Not this secret's site");
        }

        await jobs.SaveAsync(job, cancellationToken);
        logger.LogInformation("Accepted {Type} for attachment {AttachmentId} as job {JobId} with {Files} files", job.Type, job.AttachmentId, job.JobId, job.Files.Count);
        return TypedResults.Accepted((string?)null, new EventAccepted(job.JobId, job.Files.Count));
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Malformed event");
}

/// <summary>The 202 answer: the deterministic job id and how many files it covers.</summary>
public sealed record EventAccepted(string JobId, int Files);
