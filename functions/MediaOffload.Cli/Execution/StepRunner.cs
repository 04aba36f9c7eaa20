using System.Collections.Concurrent;
using System.Security.Cryptography;
using MediaOffload.Cli.Sources;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using MediaOffload.Storage;

namespace MediaOffload.Cli.Execution;

/// <summary>The CLI's steps: each plan item carried out against the bucket from the local folder. Thread-safe.</summary>
internal sealed class StepRunner(
    IObjectStore store,
    string bucket,
    LocalFiles files,
    PlannerOptions planner,
    SyncState state,
    Lazy<IVariantEncoder> encoder,
    MemoryBudget budget,
    int encodeConcurrency) : IPlanSteps
{
    /// <summary>Files up to this size are read into memory and sent with Content-MD5 in one PUT; matches the store's part size.</summary>
    public const int SinglePartLimit = 8 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Task<string>> _sourceWrites = new(StringComparer.Ordinal);
    // Bounds the source buffers read for encoding as much as the encodes; the budget then bounds their memory.
    private readonly SemaphoreSlim _encodes = new(Math.Max(1, encodeConcurrency));
    // Lazy: libvips loads only when a run has a variant to make.
    private readonly Lazy<SharedEncodes> _encoders = new(() => new SharedEncodes(encoder.Value, budget));

    /// <inheritdoc />
    public Task RunAsync(PlanItem item, CancellationToken cancellationToken)
    {
        switch (item.Action)
        {
            case PlanAction.Upload or PlanAction.Replace:
                var write = UploadAsync(item, cancellationToken);
                // Registered before the write is awaited: the runner starts the variant step after this one.
                if (VariantKeys.IsSource(item.Key))
                {
                    _sourceWrites[item.Key] = write;
                }

                return write;
            case PlanAction.FixHeaders:
                return FixHeadersAsync(item, cancellationToken);
            case PlanAction.GenerateVariant:
                return GenerateVariantAsync(item, cancellationToken);
            case PlanAction.DeleteOrphan:
                return DeleteAsync(item, cancellationToken);
            default:
                return Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReconcileFailure>> FlushAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ReconcileFailure>>([]);

    /// <inheritdoc />
    public bool IsFatal(Exception exception) => S3Errors.IsFatal(exception, out _);

    /// <inheritdoc />
    public string Describe(Exception exception) => exception switch
    {
        StepFailedException or ObjectStoreException or IOException => exception.Message,
        _ => $"unexpected {exception.GetType().Name}: {exception.Message}",
    };

    private async Task<string> UploadAsync(PlanItem item, CancellationToken cancellationToken)
    {
        var source = item.Source!;
        var headers = item.Headers!;
        var path = files.FullPath(source.Path);
        StoredObject stored;
        try
        {
            if (source.Size < SinglePartLimit)
            {
                var bytes = await ReadVerifiedAsync(path, source, cancellationToken);
                stored = await store.PutAsync(new ObjectWrite(bucket, item.Key, headers, null, source.Md5, WriteCondition.Unchanged(item.Object)), new MemoryStream(bytes, writable: false), cancellationToken);
            }
            else
            {
                await using var file = OpenRead(path);
                await using var verified = new VerifyingStream(file, source.Size, source.Md5!);
                stored = await store.PutAsync(new ObjectWrite(bucket, item.Key, headers, verified.EnsureComplete, Condition: WriteCondition.Unchanged(item.Object)), verified, cancellationToken);
            }
        }
        catch (ContentMismatchException e)
        {
            throw new StepFailedException("file changed after it was planned; nothing was written (run again)", e);
        }
        catch (PreconditionFailedException e)
        {
            throw new StepFailedException(ChangedSincePlanned, e);
        }
        catch (FileNotFoundException e)
        {
            throw new StepFailedException("file vanished after it was planned; nothing was uploaded", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new StepFailedException("file vanished after it was planned; nothing was uploaded", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StepFailedException($"file is unreadable: {e.Message}", e);
        }

        state.RecordObject(item.Key, stored.ETag, null, headers);
        return stored.ETag;
    }

    private async Task FixHeadersAsync(PlanItem item, CancellationToken cancellationToken)
    {
        StoredObject stored;
        try
        {
            // Only over the bytes the headers were composed for.
            stored = await store.ReplaceHeadersAsync(item.Headers!, bucket, item.Key, item.Object?.ETag, cancellationToken);
        }
        catch (PreconditionFailedException e)
        {
            throw new StepFailedException(ChangedSincePlanned, e);
        }

        state.RecordObject(item.Key, stored.ETag, stored.LastModified, stored.Headers ?? item.Headers!);
    }

    private async Task GenerateVariantAsync(PlanItem item, CancellationToken cancellationToken)
    {
        var source = item.Source!;
        var sourceKey = item.SourceKey!;
        if (!VariantKeys.TryParseVariant(item.Key, out _, out var target) || !VariantKeys.TryGetSourceKind(sourceKey, out var kind)
            || MediaTypes.ForExtension(Path.GetExtension(sourceKey).TrimStart('.')) is not { } type)
        {
            throw new StepFailedException("source is not a JPEG, PNG, GIF or AVIF");
        }

        // Before the first await, so this source's .webp step, started after it, finds its .avif step (SharedEncodes).
        using var claim = _encoders.Value.Start(sourceKey, target);
        var etag = item.SourceETag;
        if (etag is null)
        {
            // The .webp step is a source's last variant (WebP is always made, and sorts last), so it lets go of the write.
            if ((target == VariantTarget.WebP ? _sourceWrites.TryRemove(sourceKey, out var write) : _sourceWrites.TryGetValue(sourceKey, out write)) && write is not null)
            {
                try
                {
                    etag = await write;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new StepFailedException("source upload failed, so no variant was made", e);
                }
            }
            else
            {
                etag = (await store.HeadAsync(bucket, sourceKey, cancellationToken))?.ETag
                    ?? throw new StepFailedException("source object is missing, so no variant was made");
            }
        }

        if (state.RejectionFor(item.Key, source.Md5) is { } known)
        {
            throw new StepFailedException($"known: {known} (the file is unchanged since it was reported)", known: true);
        }

        var outcome = await claim.SharedAsync(source.Md5!);
        if (outcome is null)
        {
            await _encodes.WaitAsync(cancellationToken);
            try
            {
                byte[] bytes;
                try
                {
                    bytes = await ReadVerifiedAsync(files.FullPath(source.Path), source, cancellationToken);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new StepFailedException("source file vanished; no variant was made", e);
                }

                outcome = await claim.EncodeAsync(bytes, type.ContentType, kind, source.Md5!, cancellationToken);
            }
            finally
            {
                _encodes.Release();
            }
        }

        if (!outcome.ShouldWrite)
        {
            // The image cannot change without its file changing: remembered, it fails this run only (docs/reconcile.md).
            var reason = $"no variant: {outcome.Rejection?.Reason ?? "rejected"}";
            state.RecordRejection(item.Key, source.Md5!, reason);
            throw new StepFailedException(reason, permanent: true);
        }

        var headers = ObjectHeaderRules.ForVariant(outcome, type, etag, planner.Policy);
        var body = outcome.Body.ToArray();
        StoredObject stored;
        try
        {
            // Only over what the plan saw: a foreign object put there meanwhile is not overwritten (docs/keys.md).
            stored = await store.PutAsync(
                new ObjectWrite(bucket, item.Key, headers, Condition: WriteCondition.Unchanged(item.Object)),
                new MemoryStream(body, writable: false),
                cancellationToken);
        }
        catch (PreconditionFailedException e)
        {
            throw new StepFailedException(ChangedSincePlanned, e);
        }

        state.RecordObject(item.Key, stored.ETag, null, headers);
    }

    private async Task DeleteAsync(PlanItem item, CancellationToken cancellationToken)
    {
        try
        {
            // Only the object the plan judged an orphan: one rewritten since then is not.
            await store.DeleteAsync(bucket, item.Key, item.Object?.ETag, cancellationToken);
        }
        catch (PreconditionFailedException e)
        {
            throw new StepFailedException(ChangedSincePlanned, e);
        }

        state.Forget(item.Key);
    }

    private const string ChangedSincePlanned = "the object changed after it was planned; nothing was written or deleted (run again)";

    private static async Task<byte[]> ReadVerifiedAsync(string path, SourceEntry source, CancellationToken cancellationToken)
    {
        byte[] bytes;
        await using (var file = OpenRead(path))
        {
            bytes = new byte[file.Length];
            await file.ReadExactlyAsync(bytes, cancellationToken);
        }

        if (bytes.Length != source.Size || !string.Equals(Convert.ToHexStringLower(MD5.HashData(bytes)), source.Md5, StringComparison.OrdinalIgnoreCase))
        {
            throw new StepFailedException("file changed after it was planned; nothing was written (run again)");
        }

        return bytes;
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.SequentialScan);
}
