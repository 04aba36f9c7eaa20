using MediaOffload.Api.Offload;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using MediaOffload.Storage;

namespace MediaOffload.Api.Http;

/// <summary>
/// What a response may say about a failure. Exception messages from the AWS SDK and the runtime can carry account
/// ids, role ARNs and bucket names, so only our own wording leaves the process; the exception itself is logged.
/// </summary>
internal static class FailureText
{
    public static string For(Exception e) => e switch
    {
        ObjectStoreException store => store.SafeText,
        OffloadFailure or ContentMismatchException or PreconditionFailedException => e.Message,
        ImageRejectedException rejected => rejected.Reason,
        OperationCanceledException => "cancelled before it finished",
        _ => $"unexpected {e.GetType().Name}; see the log",
    };
}
