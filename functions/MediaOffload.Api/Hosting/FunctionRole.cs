namespace MediaOffload.Api.Hosting;

/// <summary>
/// Which function this process is, from <c>Offload:Role</c> (docs/deploy.md). Each role maps only its own routes,
/// so the unsigned event endpoints never exist on the function the internet can reach.
/// </summary>
public enum FunctionRole
{
    /// <summary>The HTTP API: <c>/v1/*</c> and <c>/healthz</c>, all signed but the health check.</summary>
    Api,

    /// <summary>The offload worker: <c>POST /events/offload</c>.</summary>
    Offload,

    /// <summary>The variant generator: <c>POST /events/variants</c>.</summary>
    Variants,

    /// <summary>The reconciler: <c>POST /events/reconcile</c>.</summary>
    Reconcile,

    /// <summary>Every route at once, for local runs against a local S3 endpoint only.</summary>
    Local,
}

/// <summary>Parsing <see cref="FunctionRole"/> from its configuration value.</summary>
public static class FunctionRoles
{
    /// <summary>The accepted values, as written in configuration.</summary>
    public static readonly string[] Names = ["api", "offload", "variants", "reconcile", "local"];

    /// <summary>The role <paramref name="value"/> names (case-insensitively), or null.</summary>
    public static FunctionRole? Parse(string? value) =>
        Array.FindIndex(Names, n => string.Equals(n, value?.Trim(), StringComparison.OrdinalIgnoreCase)) is var i and >= 0 ? (FunctionRole)i : null;
}
