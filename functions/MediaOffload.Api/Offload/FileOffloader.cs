using System.Globalization;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Origin;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Storage;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace MediaOffload.Api.Offload;

/// <summary>
/// Moves one file from the origin into the media bucket, verified, with retries for transient failures, and only
/// when its key is the file's to write (docs/keys.md).
/// </summary>
public sealed class FileOffloader
{
    /// <summary>How often the worker decides again when another writer changed the key between its HEAD and its PUT.</summary>
    private const int MaxConditionalAttempts = 3;

    private readonly IObjectStore _store;
    private readonly OriginClient _origin;
    private readonly OffloadOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<FileOffloader> _logger;
    private readonly ResiliencePipeline _retry;

    public FileOffloader(IObjectStore store, OriginClient origin, IOptions<OffloadOptions> options, TimeProvider clock, ILogger<FileOffloader> logger)
    {
        _store = store;
        _origin = origin;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<OffloadFailure>(f => f.Transient).Handle<IOException>(),
                MaxRetryAttempts = Math.Max(0, _options.Origin.MaxAttempts - 1),
                Delay = _options.Origin.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    _logger.LogWarning("Retrying origin fetch (attempt {Attempt}) after {Reason}", args.AttemptNumber + 2, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Offloads <paramref name="file"/>; never throws but for cancellation of <paramref name="cancellationToken"/>.</summary>
    /// <param name="fromManifest">The job came from the plugin's manifest, the owner record: another owner's object may be replaced.</param>
    public async Task<FileOutcome> OffloadAsync(JobFile file, bool fromManifest, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Origin.FileTimeout);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var existing = await _store.HeadAsync(_options.MediaBucket, file.Key, deadline.Token);
                if (!fromManifest && existing?.Headers is { } headers && file.Owner?.WriteConflict(KeyOwner.Of(headers)) is { } conflict)
                {
                    _logger.LogWarning("Refused to write {Key}: {Conflict}", file.Key, conflict);
                    return new FileOutcome(file.Path, file.Key, FileStatus.Refused, Reason: $"not written: {conflict} (docs/keys.md)");
                }

                if (IsCurrent(existing, file))
                {
                    return new FileOutcome(file.Path, file.Key, FileStatus.Unchanged, file.Size ?? 0);
                }

                try
                {
                    var condition = WriteCondition.Unchanged(existing);
                    await _retry.ExecuteAsync(ct => new ValueTask(TransferAsync(file, condition, ct)), deadline.Token);
                    return new FileOutcome(file.Path, file.Key, FileStatus.Uploaded, file.Size ?? 0);
                }
                catch (PreconditionFailedException) when (attempt < MaxConditionalAttempts)
                {
                    // Another writer changed the key after the HEAD: decide again on what is there now.
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failed(file, $"not finished within the file timeout of {_options.Origin.FileTimeout}");
        }
        catch (Exception e) when (e is OffloadFailure or ContentMismatchException)
        {
            return Failed(file, e.Message) with { Permanent = e is OffloadFailure { Permanent: true } };
        }
        catch (PreconditionFailedException)
        {
            return Failed(file, "the key kept changing while it was being written; another writer is busy with it");
        }
        catch (ObjectStoreException e)
        {
            _logger.LogError(e, "Offloading {Key} failed at the store", file.Key);
            return Failed(file, e.SafeText);
        }
        catch (IOException)
        {
            return Failed(file, "the transfer broke off");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An outcome can reach a response; the exception's own message stays in the log (docs/decisions.md).
            _logger.LogError(e, "Offloading {Key} failed unexpectedly", file.Key);
            return Failed(file, $"unexpected {e.GetType().Name}; see the log");
        }
    }

    private static FileOutcome Failed(JobFile file, string reason) => new(file.Path, file.Key, FileStatus.Failed, Reason: reason);

    private async Task TransferAsync(JobFile file, WriteCondition condition, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_options.Origin.AttemptTimeout);
        using var watchdog = new TransferWatchdog(attempt, _options.Origin.MinBytesPerSecond, _options.Origin.RateWindow, _clock);
        try
        {
            var size = file.Size!.Value;
            using var response = await _origin.GetAsync(file.Url!, attempt.Token);
            if (response.Content.Headers.ContentLength is { } announced && announced != size)
            {
                throw new OffloadFailure(string.Create(CultureInfo.InvariantCulture, $"origin has {announced} bytes, the event declared {size}"));
            }

            var body = watchdog.Watch(await response.Content.ReadAsStreamAsync(attempt.Token));
            var head = new byte[(int)Math.Min(Signature.HeadLength, size)];
            var headLength = await body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, attempt.Token);
            var type = MediaTypes.ForExtension(Path.GetExtension(file.Path).TrimStart('.'))
                ?? throw new OffloadFailure("type may not be offloaded", permanent: true);
            if (MediaTypes.CheckContent(type, head.AsMemory(0, headLength)) is { } mismatch)
            {
                throw new OffloadFailure(mismatch, permanent: true);
            }

            await using var verified = new VerifyingStream(head.AsMemory(0, headLength), body, size, file.Md5!);
            await _store.PutAsync(new ObjectWrite(_options.MediaBucket, file.Key, file.Headers!, verified.EnsureComplete, file.Md5, condition), verified, attempt.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Cut off by the watchdog (too slow: not worth another attempt) or by the attempt timeout (retried).
            throw watchdog.Tripped is { } slow
                ? new OffloadFailure(slow, transient: false, e)
                : new OffloadFailure($"transfer took longer than {_options.Origin.AttemptTimeout}", transient: true, e);
        }
    }

    /// <summary>
    /// The object is current when it holds the same bytes under the headers the job would write (by the one rule,
    /// <see cref="ObjectHeaderRules.OriginalDifference"/>). A single-part ETag must also be the MD5, so an object a
    /// server corrupted is never taken for current.
    /// </summary>
    private static bool IsCurrent(StoredObject? existing, JobFile file) =>
        existing?.Headers is { } headers
        && existing.Size == file.Size
        && (ETags.IsMultipart(existing.ETag) || ETags.Same(existing.ETag, file.Md5))
        && ObjectHeaderRules.OriginalDifference(file.Headers!, headers) is null;
}
