namespace MediaOffload.Api.Http;

/// <summary><c>GET /healthz</c>: the process is up and its configuration passed validation.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(HealthStatus.Ok)).WithName("Health");
        return routes;
    }
}

/// <summary>The body of <c>GET /healthz</c>: <c>{"status":"ok"}</c>.</summary>
public sealed record HealthStatus(string Status)
{
    public static HealthStatus Ok { get; } = new("ok");
}
