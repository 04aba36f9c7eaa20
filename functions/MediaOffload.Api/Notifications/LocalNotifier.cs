using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Hosting;
using MediaOffload.Api.Notifications;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Notifications;

/// <summary>
/// Stands in for S3 event notifications when <c>Offload:S3:ServiceUrl</c> points at a local emulator: every write
/// the service makes is turned into the same notification JSON S3 would send and delivered, asynchronously as S3
/// does, to each handler whose filter matches, through the same <see cref="S3EventProcessor"/> as the endpoints.
/// </summary>
/// <remarks>
/// The queue is a separate singleton because the store publishes to it while the handlers depend on the store.
/// </remarks>
public sealed class LocalNotifier(
    LocalNotificationQueue queue,
    IEnumerable<IS3EventHandler> handlers,
    S3EventProcessor processor,
    IOptions<OffloadOptions> options,
    TimeProvider clock,
    ILogger<LocalNotifier> logger) : BackgroundService
{
    private const int Consumers = 4;

    private readonly ConcurrentQueue<LocalDelivery> _deliveries = new();

    /// <summary>Every delivery made so far, for the local run's output and for tests.</summary>
    public IReadOnlyCollection<LocalDelivery> Deliveries => _deliveries;

    /// <summary>Waits until a delivery matches <paramref name="predicate"/>, or throws <see cref="TimeoutException"/>.</summary>
    public async Task<LocalDelivery> WaitForAsync(Func<LocalDelivery, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_deliveries.FirstOrDefault(predicate) is { } match)
            {
                return match;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No matching local delivery within {timeout}.");
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!queue.Enabled)
        {
            return Task.CompletedTask;
        }

        logger.LogInformation("Local S3 notifications are on: the service delivers its own bucket events");
        return Task.WhenAll(Enumerable.Range(0, Consumers).Select(_ => ConsumeAsync(stoppingToken)));
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var record in queue.Reader.ReadAllAsync(stoppingToken))
            {
                var bucket = record.S3!.Bucket!.Name!;
                var key = S3NotificationKeys.Decode(record.S3.Object!.Key!);
                foreach (var handler in handlers.Where(h => h.Wants(bucket, key, record.EventName!)))
                {
                    var json = S3Notification.ToJson(new S3Notification([record]));
                    var response = await processor.ProcessAsync(handler, json, Invocation.Local(clock, options.Value.InvocationBudget), stoppingToken);
                    var delivery = new LocalDelivery(handler.Path, bucket, key, record.EventName!, response!);
                    _deliveries.Enqueue(delivery);
                    logger.LogInformation("Delivered {EventName} for {Bucket}/{Key} to {Path}: {Failed}",
                        record.EventName, bucket, key, handler.Path, response!.AnyFailed ? "failed" : "ok");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Records waiting for local delivery; the notifying store writes, <see cref="LocalNotifier"/> reads.</summary>
public sealed class LocalNotificationQueue(IOptions<OffloadOptions> options)
{
    private readonly Channel<S3NotificationRecord> _channel = Channel.CreateUnbounded<S3NotificationRecord>();

    /// <summary>Whether notifications are emulated (only against a local endpoint; on AWS, S3 sends them).</summary>
    public bool Enabled { get; } = options.Value.S3.IsLocal && options.Value.S3.EmulateNotifications;

    internal ChannelReader<S3NotificationRecord> Reader => _channel.Reader;

    /// <summary>Queues a record; a no-op when notifications are not emulated.</summary>
    public void Publish(S3NotificationRecord record)
    {
        if (Enabled)
        {
            _channel.Writer.TryWrite(record);
        }
    }
}

/// <summary>One notification the local notifier delivered, with the handler's answer.</summary>
public sealed record LocalDelivery(string Path, string Bucket, string Key, string EventName, EventResponse Response);
