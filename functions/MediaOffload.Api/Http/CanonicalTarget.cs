namespace MediaOffload.Api.Http;

/// <summary>
/// Refuses request targets that are not in canonical form, before routing. Kestrel decodes <c>%2e</c> and resolves
/// dot segments, so <c>/v1/%2e%2e/events/reconcile</c> would otherwise be routed to <c>/events/reconcile</c>, and
/// a signature is checked against the raw target while routing uses the cleaned one. Canonical: origin-form, no empty
/// segment (<c>//</c>), no <c>.</c> or <c>..</c> segment, no backslash, and no percent-encoded dot, slash or backslash.
/// </summary>
internal static class CanonicalTarget
{
    /// <summary>Null when <paramref name="rawTarget"/> is canonical, else why not.</summary>
    public static string? Check(string rawTarget)
    {
        if (!rawTarget.StartsWith('/'))
        {
            return "the request target must be a path starting with '/'";
        }

        var query = rawTarget.IndexOf('?');
        var path = query < 0 ? rawTarget : rawTarget[..query];
        if (path.Contains('\\'))
        {
            return "the path contains a backslash";
        }

        foreach (var encoded in new[] { "%2e", "%2f", "%5c" })
        {
            if (path.Contains(encoded, StringComparison.OrdinalIgnoreCase))
            {
                return $"the path contains {encoded.ToUpperInvariant()}, an encoded '.', '/' or '\\'";
            }
        }

        var segments = path[1..].Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            // A trailing slash leaves one empty last segment, which is harmless; any other empty one is '//'.
            if (segments[i].Length == 0 && i < segments.Length - 1)
            {
                return "the path contains an empty segment ('//')";
            }

            if (segments[i] is "." or "..")
            {
                return "the path contains a '.' or '..' segment";
            }
        }

        return null;
    }

    /// <summary>The middleware: 400 with a problem response for a non-canonical target.</summary>
    public static IApplicationBuilder UseCanonicalTargets(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        if (Check(raw) is { } problem)
        {
            await TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Request target is not canonical").ExecuteAsync(context);
            return;
        }

        await next(context);
    });
}
