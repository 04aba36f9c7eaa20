using MediaOffload.Api.Hosting;
using MediaOffload.Api.Notifications;

namespace MediaOffload.Api.Notifications;

/// <summary>Handles one record of an S3 notification for one function role.</summary>
public interface IS3EventHandler
{
    /// <summary>The role's pass-through path, e.g. <c>/events/offload</c>.</summary>
    string Path { get; }

    /// <summary>Whether S3 would notify this role of that record (mirrors the template's notification filters).</summary>
    bool Wants(string bucket, string key, string eventName);

    /// <summary>Handles a record whose key is already URL-decoded, within <paramref name="invocation"/>.</summary>
    Task<RecordOutcome> HandleAsync(S3NotificationRecord record, string bucket, string key, Invocation invocation, CancellationToken cancellationToken);
}
