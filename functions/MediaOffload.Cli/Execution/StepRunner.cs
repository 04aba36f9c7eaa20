using System.Collections.Concurrent;
using System.Security.Cryptography;
using MediaOffload.Cli.Sources;
using MediaOffload.Cli.State;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;

namespace MediaOffload.Cli.Execution;

/// <summary>Carries out one plan item against the bucket. Thread-safe.</summary>
internal sealed class StepRunner(
    IObjectStore store,
    string bucket,
    LocalFiles files,
    PlannerOptions planner,
    SyncState state,
    Lazy<IVariantEncoder> encoder)
{
    /// <summary>Files up to this size are read into memory and sent with Content-MD5 in one PUT; matches the store's part size.</summary>
    public const int SinglePartLimit = 8 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Task<string>> _sourceWrites = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _encodes = new(Math.Max(1, Environment.ProcessorCount));

    /// <summary>Runs one step (uploads go through <see cref="UploadAsync"/> so their ETag can be tracked).</summary>
    public Task RunAsync(PlanItem item, CancellationToken cancellationToken) => item.Action switch
    {
        PlanAction.Upload or PlanAction.Replace => UploadAsync(item, cancellationToken),
        PlanAction.FixHeaders => FixHeadersAsync(item, cancellationToken),
        PlanAction.GenerateVariant => GenerateVariantAsync(item, cancellationToken),
        PlanAction.DeleteOrphan => DeleteAsync(item, cancellationToken),
        _ => Task.CompletedTask,
    };

    /// <summary>Registers a source write before it runs, so a later variant step can await its ETag.</summary>
    public void Track(PlanItem item, Task<string> write)
    {
        if (VariantKeys.IsSource(item.Key))
        {
            _sourceWrites[item.Key] = write;
        }
    }

    public async Task<string> UploadAsync(PlanItem item, CancellationToken cancellationToken)
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
        var stored = await store.ReplaceHeadersAsync(item.Headers!, bucket, item.Key, cancellationToken);
        state.RecordObject(item.Key, stored.ETag, stored.LastModified, stored.Headers ?? item.Headers!);
    }

    private async Task GenerateVariantAsync(PlanItem item, CancellationToken cancellationToken)
    {
        var source = item.Source!;
        var sourceKey = item.SourceKey!;
        var etag = item.SourceETag;
        if (etag is null)
        {
            if (_sourceWrites.TryRemove(sourceKey, out var write))
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

        if (!VariantKeys.TryGetSourceKind(sourceKey, out var kind) || MediaTypes.ForExtension(Path.GetExtension(sourceKey).TrimStart('.')) is not { } type)
        {
            throw new StepFailedException("source is not a JPEG, PNG or GIF");
        }

        byte[] bytes;
        try
        {
            bytes = await ReadVerifiedAsync(files.FullPath(source.Path), source, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new StepFailedException("source file vanished; no variant was made", e);
        }

        VariantOutcome outcome;
        await _encodes.WaitAsync(cancellationToken);
        try
        {
            outcome = VariantDecision.EncodeAndDecide(encoder.Value, bytes, type.ContentType, kind);
        }
        finally
        {
            _encodes.Release();
        }

        if (!outcome.ShouldWrite)
        {
            throw new StepFailedException($"no variant: {outcome.Rejection?.Reason ?? "rejected"}");
        }

        var metadata = new Dictionary<string, string>(outcome.Metadata, StringComparer.Ordinal)
        {
            [VariantMetadata.SourceETag] = ETags.Normalize(etag),
            [MediaMetadata.CachePolicy] = planner.Policy.Version,
        };
        var headers = new ObjectHeaders(outcome.ContentType!, planner.Policy.For(type), metadata);
        var body = outcome.Body.ToArray();
        StoredObject stored;
        try
        {
            // Only over what the plan saw: a foreign object put there meanwhile is not overwritten (docs/keys.md).
            stored = await store.PutAsync(
                new ObjectWrite(bucket, item.Key, headers, null, Convert.ToHexStringLower(MD5.HashData(body)), WriteCondition.Unchanged(item.Object)),
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
