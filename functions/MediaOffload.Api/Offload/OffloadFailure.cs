namespace MediaOffload.Api.Offload;

/// <summary>
/// A file could not be offloaded. <see cref="Transient"/> failures (5xx, timeouts, broken connections) are retried;
/// the others (a refused address, a length or MD5 mismatch, content that is not what its name says) are not.
/// </summary>
public sealed class OffloadFailure(string reason, bool transient = false, Exception? inner = null) : Exception(reason, inner)
{
    public bool Transient { get; } = transient;
}
