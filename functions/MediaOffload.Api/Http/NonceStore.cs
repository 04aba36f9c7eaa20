using MediaOffload.Api.Configuration;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Http;

/// <summary>
/// Makes each accepted signature single-use (docs/signing.md): it is written to the control bucket as
/// <c>nonces/{version}-{hex}</c> with <c>If-None-Match: *</c>, so a second request with the same signature finds it
/// there. A lifecycle rule expires <c>nonces/</c> after a day, long after the 300 s in which a signature can verify.
/// </summary>
public sealed class NonceStore(IObjectStore store, IOptions<OffloadOptions> options)
{
    /// <summary>The control-bucket prefix of spent signatures.</summary>
    public const string KeyPrefix = "nonces/";

    private static readonly ObjectHeaders Headers = new("application/octet-stream", "no-store", new Dictionary<string, string>());

    /// <summary>True when <paramref name="signature"/> (a verified header value) was not used before; it is spent now.</summary>
    public async Task<bool> TrySpendAsync(string signature, CancellationToken cancellationToken)
    {
        // Hex compares case-insensitively when verified, so the key is lower case: an upper-cased replay is the same nonce.
        var key = KeyPrefix + signature.Replace('=', '-').ToLowerInvariant();
        try
        {
            using var empty = new MemoryStream([], writable: false);
            await store.PutAsync(new ObjectWrite(options.Value.ControlBucket, key, Headers, Condition: WriteCondition.IfAbsent), empty, cancellationToken);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
    }
}
