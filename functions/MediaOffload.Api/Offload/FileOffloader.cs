using System.Globalization;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Origin;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Media;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace MediaOffload.Api.Offload;

/// <summary>Moves one file from the origin into the media bucket, verified, with retries for transient failures.</summary>
public sealed class FileOffloader
{
    private readonly IObjectStore _store;
    private readonly OriginClient _origin;
    private readonly OffloadOptions _options;
    private readonly ILogger<FileOffloader> _logger;
    private readonly ResiliencePipeline _retry;

    public FileOffloader(IObjectStore store, OriginClient origin, IOptions<OffloadOptions> options, ILogger<FileOffloader> logger)
    {
        _store = store;
        _origin = origin;
        _options = options.Value;
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

    public async Task<FileOutcome> OffloadAsync(JobFile file, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await _store.HeadAsync(_options.MediaBucket, file.Key, cancellationToken);
            if (IsCurrent(existing, file))
            {
                return new FileOutcome(file.Path, file.Key, FileStatus.Unchanged, file.Size ?? 0);
            }

            await _retry.ExecuteAsync(ct => new ValueTask(TransferAsync(file, ct)), cancellationToken);
            return new FileOutcome(file.Path, file.Key, FileStatus.Uploaded, file.Size ?? 0);
        }
        catch (Exception e) when (e is OffloadFailure or ContentMismatchException)
        {
            return new FileOutcome(file.Path, file.Key, FileStatus.Failed, Reason: e.Message);
        }
        catch (IOException e)
        {
            return new FileOutcome(file.Path, file.Key, FileStatus.Failed, Reason: $"transfer broke off: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Offloading {Key} failed unexpectedly", file.Key);
            return new FileOutcome(file.Path, file.Key, FileStatus.Failed, Reason: e.Message);
        }
    }

    private async Task TransferAsync(JobFile file, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(_options.Origin.AttemptTimeout);
        var size = file.Size!.Value;
        using var response = await _origin.GetAsync(file.Url!, attempt.Token);
        if (response.Content.Headers.ContentLength is { } announced && announced != size)
        {
            throw new OffloadFailure(string.Create(CultureInfo.InvariantCulture, $"origin has {announced} bytes, the event declared {size}"));
        }

        var body = await response.Content.ReadAsStreamAsync(attempt.Token);
        var head = new byte[(int)Math.Min(Signature.HeadLength, size)];
        var headLength = await body.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, attempt.Token);
        var type = MediaTypes.ForExtension(Path.GetExtension(file.Path).TrimStart('.'))
            ?? throw new OffloadFailure("type may not be offloaded");
        if (MediaTypes.CheckContent(type, head.AsMemory(0, headLength)) is { } mismatch)
        {
            throw new OffloadFailure(mismatch);
        }

        await using var verified = new VerifyingStream(head.AsMemory(0, headLength), body, size, file.Md5!);
        var headers = new ObjectHeaders(file.ContentType!, file.CacheControl, new Dictionary<string, string>
        {
            [MediaMetadata.SourceMd5] = file.Md5!,
            [MediaMetadata.SourceModified] = file.Modified?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? string.Empty,
            [MediaMetadata.CachePolicy] = file.CachePolicy!,
        });
        try
        {
            await _store.PutAsync(new ObjectWrite(_options.MediaBucket, file.Key, headers, verified.EnsureComplete, file.Md5), verified, attempt.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new OffloadFailure($"transfer took longer than {_options.Origin.AttemptTimeout}", transient: true, e);
        }
    }

    /// <summary>The object is current when it holds the same bytes under the same headers and cache policy.</summary>
    private static bool IsCurrent(StoredObject? existing, JobFile file) =>
        existing is not null
        && existing.Size == file.Size
        && string.Equals(existing.Meta(MediaMetadata.SourceMd5), file.Md5, StringComparison.OrdinalIgnoreCase)
        && existing.Meta(MediaMetadata.CachePolicy) == file.CachePolicy
        && existing.Headers?.ContentType == file.ContentType
        && existing.Headers?.CacheControl == file.CacheControl;
}
