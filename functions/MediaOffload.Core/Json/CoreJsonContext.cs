using System.Text.Json;
using System.Text.Json.Serialization;
using MediaOffload.Core.Events;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Manifest;
using MediaOffload.Core.RemoteCopies;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;

namespace MediaOffload.Core.Json;

/// <summary>
/// The JSON metadata of every format Core reads or writes, generated at build time so the CLI runs as a NativeAOT
/// binary with no reflection. Names are camelCase unless a property says otherwise (short state-file names, AWS and
/// plugin names, and the PascalCase fields that checkpoints and job objects have always carried).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(RunCheckpoint))]
[JsonSerializable(typeof(ReconcileReport))]
[JsonSerializable(typeof(StateEntry))]
[JsonSerializable(typeof(OffloadJob))]
[JsonSerializable(typeof(MediaEvent))]
[JsonSerializable(typeof(ManifestPage))]
[JsonSerializable(typeof(ReconcileRequest))]
[JsonSerializable(typeof(RemovalCheckRequest))]
[JsonSerializable(typeof(RemovalCheckAnswer))]
[JsonSerializable(typeof(RestoreRequest))]
[JsonSerializable(typeof(RestoreAnswer))]
public sealed partial class CoreJsonContext : JsonSerializerContext
{
    // Built on first use, not in static initializers: the generated half of this class initializes Default in
    // another file, in an order C# does not define.

    /// <summary>The report's options: indented, for people and <c>jq</c> alike.</summary>
    internal static CoreJsonContext Indented => field ??= new(new JsonSerializerOptions(Default.Options) { WriteIndented = true });

    /// <summary>The state file's options: absent fields cost nothing on each of its (many) lines.</summary>
    internal static CoreJsonContext OmitNulls => field ??= new(new JsonSerializerOptions(Default.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });

    /// <summary>
    /// The web defaults (names in any case, numbers in strings), which <c>POST /v1/events</c> has always read events
    /// with; kept so no plugin body that was accepted before is refused now.
    /// </summary>
    internal static CoreJsonContext Web => field ??= new(new JsonSerializerOptions(JsonSerializerDefaults.Web));
}
