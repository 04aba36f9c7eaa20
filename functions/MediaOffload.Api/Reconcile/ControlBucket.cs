using System.Security.Cryptography;
using System.Text;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;

namespace MediaOffload.Api.Reconcile;

/// <summary>
/// The Reconciler's bookkeeping in the control bucket: checkpoints (whose creation continues a run), reports, header
/// manifests and the state cache (docs/reconcile.md). None of it is media, so none of it counts in a run's requests.
/// </summary>
public sealed class ControlBucket(IObjectStore store, string bucket) : ICheckpointStore
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    /// <summary>The control-bucket prefix of the state caches.</summary>
    public const string StatePrefix = "state/";

    public Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken) =>
        PutAsync(RunCheckpoint.KeyFor(checkpoint.RunId), "application/json", checkpoint.ToJson(), cancellationToken);

    public Task DeleteAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken) =>
        store.DeleteAsync(bucket, RunCheckpoint.KeyFor(checkpoint.RunId), null, cancellationToken);

    /// <summary>The checkpoint at <paramref name="key"/>, or null when it is gone (the run finished) or unreadable.</summary>
    public async Task<(bool Exists, RunCheckpoint? Checkpoint)> LoadAsync(string key, CancellationToken cancellationToken) =>
        await ReadAsync(key, cancellationToken) is { } bytes ? (true, RunCheckpoint.FromJson(bytes)) : (false, null);

    /// <summary>The bytes of the control object at <paramref name="key"/>, or null when there is none.</summary>
    public async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(bucket, key, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    public Task PutTextAsync(string key, string contentType, string text, CancellationToken cancellationToken) =>
        PutAsync(key, contentType, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>The state cache of a scope; empty when there is none yet.</summary>
    public async Task<SyncState> LoadStateAsync(string scope, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(bucket, StateKey(scope), cancellationToken);
        return stream is null ? SyncState.Empty() : await SyncState.ReadAsync(stream, cancellationToken);
    }

    /// <summary>Writes the state back, only when the run changed it: a no-op run writes nothing.</summary>
    public async Task SaveStateAsync(string scope, SyncState state, CancellationToken cancellationToken)
    {
        if (!state.Changed)
        {
            return;
        }

        using var buffer = new MemoryStream();
        await state.WriteAsync(buffer, cancellationToken);
        await PutAsync(StateKey(scope), "application/x-ndjson", buffer.ToArray(), cancellationToken);
    }

    /// <summary>One object per scope: <c>state/{16 hex digits of SHA-256 of the scope}.jsonl</c>.</summary>
    public static string StateKey(string scope) =>
        $"{StatePrefix}{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope)))[..16]}.jsonl";

    private async Task PutAsync(string key, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(body, writable: false);
        await store.PutAsync(new ObjectWrite(bucket, key, new ObjectHeaders(contentType, "no-store", NoMetadata)), content, cancellationToken);
    }
}
