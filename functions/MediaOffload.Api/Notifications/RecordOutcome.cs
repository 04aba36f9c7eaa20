using System.Text.Json.Serialization;
using MediaOffload.Api.Offload;

namespace MediaOffload.Api.Notifications;

/// <summary>What happened to one record of an S3 event.</summary>
public sealed record RecordOutcome(
    string? Bucket,
    string? Key,
    string? EventName,
    RecordStatus Status,
    string? Reason = null,
    IReadOnlyList<FileOutcome>? Files = null);

[JsonConverter(typeof(JsonStringEnumConverter<RecordStatus>))]
public enum RecordStatus
{
    Succeeded,

    /// <summary>Not this function's business (another prefix or event type); nothing done, not a failure.</summary>
    Ignored,

    Failed,
}

/// <summary>The answer of an event endpoint: one outcome per record, in record order.</summary>
public sealed record EventResponse(IReadOnlyList<RecordOutcome> Records)
{
    [JsonIgnore]
    public bool AnyFailed => Records.Any(r => r.Status == RecordStatus.Failed);
}
