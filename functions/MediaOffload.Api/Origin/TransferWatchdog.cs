using System.Globalization;
using MediaOffload.Core.Storage;

namespace MediaOffload.Api.Origin;

/// <summary>
/// Cuts off a transfer whose origin falls below a minimum rate. Only the time spent waiting inside reads of the
/// origin's body counts, so a slow consumer (an S3 part upload) never trips it. Every <c>window</c> it compares the
/// bytes that arrived with <c>minBytesPerSecond</c> times that waiting time; when the origin kept the reader waiting
/// for at least half the window and sent less, it cancels <c>cancel</c> and records why. So an origin that trickles
/// a byte a second cannot hold a worker for the whole attempt timeout, and a reader blocked on a stalled origin is
/// woken by the cancellation, which a check inside the read could not do.
/// </summary>
internal sealed class TransferWatchdog : IDisposable
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _cancel;
    private readonly long _minBytesPerSecond;
    private readonly TimeSpan _window;
    private readonly TimeProvider _clock;
    private readonly ITimer _timer;
    private long _bytes;
    private TimeSpan _waited;
    private long? _readStarted;
    private bool _finished;

    public TransferWatchdog(CancellationTokenSource cancel, long minBytesPerSecond, TimeSpan window, TimeProvider clock)
    {
        _cancel = cancel;
        _minBytesPerSecond = minBytesPerSecond;
        _window = window;
        _clock = clock;
        _timer = clock.CreateTimer(_ => Check(), null, window, window);
    }

    /// <summary>Why the transfer was cut off, or null when it was not.</summary>
    public string? Tripped { get; private set; }

    /// <summary>Wraps a body so its reads are timed and counted.</summary>
    public Stream Watch(Stream body) => new CountingStream(body, this);

    public void Dispose() => _timer.Dispose();

    private void ReadStarting()
    {
        lock (_gate)
        {
            _readStarted = _clock.GetTimestamp();
        }
    }

    private void ReadDone(int read, bool ended)
    {
        lock (_gate)
        {
            if (_readStarted is { } started)
            {
                _waited += _clock.GetElapsedTime(started);
            }

            _readStarted = null;
            _bytes += read;
            _finished |= ended;
        }
    }

    private void Check()
    {
        lock (_gate)
        {
            if (_finished || Tripped is not null)
            {
                return;
            }

            var now = _clock.GetTimestamp();
            var waited = _waited + (_readStarted is { } started ? _clock.GetElapsedTime(started, now) : TimeSpan.Zero);
            var expected = (long)(_minBytesPerSecond * waited.TotalSeconds);
            if (waited >= _window / 2 && _bytes < expected)
            {
                Tripped = string.Create(CultureInfo.InvariantCulture,
                    $"origin sent {_bytes} bytes in {waited.TotalSeconds:0.#} s of waiting, below the minimum of {_minBytesPerSecond} bytes/s");
                _cancel.Cancel();
                return;
            }

            // A new window: reads still in progress count from now.
            _bytes = 0;
            _waited = TimeSpan.Zero;
            if (_readStarted is not null)
            {
                _readStarted = now;
            }
        }
    }

    private sealed class CountingStream(Stream inner, TransferWatchdog watchdog) : ReadOnlyStream(inner)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            watchdog.ReadStarting();
            var read = 0;
            var ended = false;
            try
            {
                read = await Inner.ReadAsync(buffer, cancellationToken);
                BytesRead += read;
                ended = read == 0 && buffer.Length > 0;
                return read;
            }
            finally
            {
                watchdog.ReadDone(read, ended);
            }
        }
    }
}
