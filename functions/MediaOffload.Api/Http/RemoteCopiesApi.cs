using System.Text.Json;
using MediaOffload.Api.RemoteCopies;
using MediaOffload.Core.Events;
using MediaOffload.Core.RemoteCopies;
using MediaOffload.Core.Sites;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaOffload.Api.Http;

/// <summary>
/// The signed routes behind remote-only files (docs/remote-only.md): <c>POST /v1/removal-checks</c>, asked before a
/// local copy is removed, and <c>POST /v1/restores</c>, which hands out download links to bring copies back. A
/// request naming another site or a path outside the signer's key space is refused before anything is read.
/// </summary>
public static class RemoteCopiesApi
{
    public static IEndpointRouteBuilder MapRemoteCopiesApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/removal-checks", CheckAsync).WithName("CheckRemovals");
        routes.MapPost("/v1/restores", RestoreAsync).WithName("LinkRestores");
        return routes;
    }

    private static Task<Results<Ok<RemovalCheckAnswer>, ProblemHttpResult>> CheckAsync(
        HttpContext context, SignedRequestReader reader, EventRules rules, SiteDirectory sites, RemoteCopyService copies, CancellationToken cancellationToken) =>
        HandleAsync(context, reader, sites, b => RemovalCheckRequest.FromJson(b), r => (r.Site, RemoteCopyRules.Parse(r, rules)),
            copies.CheckAsync, "removal check", cancellationToken);

    private static Task<Results<Ok<RestoreAnswer>, ProblemHttpResult>> RestoreAsync(
        HttpContext context, SignedRequestReader reader, EventRules rules, SiteDirectory sites, RemoteCopyService copies, CancellationToken cancellationToken) =>
        HandleAsync(context, reader, sites, b => RestoreRequest.FromJson(b), r => (r.Site, RemoteCopyRules.Parse(r, rules)),
            copies.LinksAsync, "restore", cancellationToken);

    // One shape for both routes: verify, read, validate, apply the site rules, then ask the bucket.
    private static async Task<Results<Ok<TAnswer>, ProblemHttpResult>> HandleAsync<TRequest, TAnswer>(
        HttpContext context,
        SignedRequestReader reader,
        SiteDirectory sites,
        Func<byte[], TRequest?> read,
        Func<TRequest, (string? Site, (IReadOnlyList<RemoteCopyFile> Files, string? Problem) Parsed)> parse,
        Func<IReadOnlyList<RemoteCopyFile>, CancellationToken, Task<TAnswer>> answer,
        string what,
        CancellationToken cancellationToken)
        where TRequest : class
    {
        var (body, problem, signer) = await reader.ReadAsync(context, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!context.Request.HasJsonContentType())
        {
            return BadRequest(what, "Content-Type must be application/json.");
        }

        TRequest? request;
        try
        {
            request = read(body!);
        }
        catch (JsonException e)
        {
            return BadRequest(what, $"The body is not valid {what} JSON ({JsonProblem.Where(e)}).");
        }

        if (request is null)
        {
            return BadRequest(what, "The body is empty.");
        }

        var (site, (files, malformed)) = parse(request);
        if (malformed is not null)
        {
            return BadRequest(what, malformed);
        }

        if (SiteRules.Forbidden(signer!, sites, site!, files.Select(f => f.Path)) is { } forbidden)
        {
            return TypedResults.Problem(forbidden, statusCode: StatusCodes.Status403Forbidden, title: "Not this secret's site");
        }

        return TypedResults.Ok(await answer(files, cancellationToken));
    }

    private static ProblemHttpResult BadRequest(string what, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: $"Malformed {what}");
}
