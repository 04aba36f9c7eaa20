namespace MediaOffload.Api.Offload;

/// <summary>
/// A file could not be offloaded. <see cref="Transient"/> failures (5xx, timeouts, broken connections) are retried;
/// the others (a refused address, a length or MD5 mismatch, content that is not what its name says) are not.
/// <see cref="Permanent"/> failures cannot heal by sending the event again either (docs/status.md).
/// </summary>
public sealed class OffloadFailure(string reason, bool transient = false, Exception? inner = null, bool permanent = false) : Exception(reason, inner)
{
    public bool Transient { get; } = transient;

    public bool Permanent { get; } = permanent;
}
