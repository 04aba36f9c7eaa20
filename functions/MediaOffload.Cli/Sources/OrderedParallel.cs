using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MediaOffload.Cli.Sources;

/// <summary>Maps a stream with bounded parallelism and yields results in input order.</summary>
internal static class OrderedParallel
{
    /// <summary>
    /// Starts up to <paramref name="degree"/> calls ahead of the consumer; memory holds at most
    /// <c>2 * degree</c> results, so order is kept without buffering the stream.
    /// </summary>
    public static async IAsyncEnumerable<TResult> SelectAsync<T, TResult>(
        IAsyncEnumerable<T> source,
        Func<T, CancellationToken, ValueTask<TResult>> selector,
        int degree,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (degree <= 1)
        {
            await foreach (var item in source.WithCancellation(cancellationToken))
            {
                yield return await selector(item, cancellationToken);
            }

            yield break;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var window = Channel.CreateBounded<Task<TResult>>(new BoundedChannelOptions(degree * 2) { SingleReader = true, SingleWriter = true });
        using var slots = new SemaphoreSlim(degree);
        var producer = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token))
                {
                    await slots.WaitAsync(stop.Token);
                    var task = Run(item);
                    await window.Writer.WriteAsync(task, stop.Token);
                }

                window.Writer.Complete();
            }
            catch (Exception e)
            {
                window.Writer.Complete(e);
            }
        }, CancellationToken.None);

        async Task<TResult> Run(T item)
        {
            try
            {
                return await selector(item, stop.Token);
            }
            finally
            {
                slots.Release();
            }
        }

        try
        {
            await foreach (var task in window.Reader.ReadAllAsync(cancellationToken))
            {
                yield return await task;
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
