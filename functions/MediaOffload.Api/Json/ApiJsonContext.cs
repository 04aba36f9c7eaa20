using System.Text.Json.Serialization;
using MediaOffload.Api.Http;
using MediaOffload.Api.Notifications;
using MediaOffload.Api.Offload;
using MediaOffload.Api.Variants;

namespace MediaOffload.Api.Json;

/// <summary>
/// The JSON metadata of what the Api reads and answers (S3 notifications, event outcomes, run answers), generated at
/// build time. camelCase unless a property names AWS's own field (<c>Records</c>, <c>s3SchemaVersion</c>).
/// Core's formats (jobs, checkpoints, reports, events) stay in <see cref="Core.Json.CoreJsonContext"/>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(S3Notification))]
[JsonSerializable(typeof(EventResponse))]
[JsonSerializable(typeof(RunAnswer))]
[JsonSerializable(typeof(EventAccepted))]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(JobOutcome))]
[JsonSerializable(typeof(VariantRejection))]
[JsonSerializable(typeof(Core.Jobs.JobStatus))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
