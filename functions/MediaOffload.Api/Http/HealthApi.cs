namespace MediaOffload.Api.Http;

/// <summary><c>GET /healthz</c>: the process is up and its configuration passed validation.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithName("Health");
        return routes;
    }
}
