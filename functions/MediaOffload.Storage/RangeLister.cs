using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;

namespace MediaOffload.Storage;

/// <summary>
/// Lists a prefix as several key ranges at once and yields one stream in key order (<see cref="Listing"/>). Each range
/// is listed into a bounded buffer and read back in range order.
/// </summary>
/// <remarks>
/// Ranges are (boundary[i], boundary[i+1]] in StartAfter terms, so they cover the key space without gaps or
/// overlap whatever the bucket holds.
/// </remarks>
internal sealed class RangeLister(IAmazonS3 s3, RequestCounter? counter)
{
    /// <summary>Objects buffered per range ahead of the consumer.</summary>
    public const int BufferPerRange = 4_000;

    public async IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, Listing listing, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = listing.StartAfter;
        var cuts = (listing.Boundaries ?? [])
            .Where(b => b.StartsWith(prefix, StringComparison.Ordinal) && (start is null || KeyOrder.Before(start, b)))
            .Distinct()
            .Order(KeyOrder.Utf8)
            .ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(Math.Max(1, listing.Parallelism));
        var ranges = new List<(Channel<StoredObject> Channel, Task Producer)>();
        for (var i = 0; i <= cuts.Count; i++)
        {
            var after = i == 0 ? start : cuts[i - 1];
            var upTo = i == cuts.Count ? null : cuts[i];
            var channel = Channel.CreateBounded<StoredObject>(new BoundedChannelOptions(BufferPerRange) { SingleReader = true, SingleWriter = true });
            ranges.Add((channel, ProduceAsync(bucket, prefix, after, upTo, channel.Writer, slots, stop.Token)));
        }

        try
        {
            foreach (var (channel, _) in ranges)
            {
                await foreach (var o in channel.Reader.ReadAllAsync(cancellationToken))
                {
                    yield return o;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(ranges.Select(r => r.Producer.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    private async Task ProduceAsync(string bucket, string prefix, string? after, string? upTo, ChannelWriter<StoredObject> writer, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            string? token = null;
            do
            {
                ListObjectsV2Response page;
                await slots.WaitAsync(cancellationToken);
                try
                {
                    counter?.Add(RequestKind.List);
                    page = await s3.ListObjectsV2Async(new ListObjectsV2Request
                    {
                        BucketName = bucket,
                        Prefix = prefix,
                        StartAfter = token is null ? after : null,
                        ContinuationToken = token,
                    }, cancellationToken);
                }
                catch (AmazonS3Exception e)
                {
                    throw ObjectStoreException.From(e, "LIST", bucket, prefix);
                }
                finally
                {
                    slots.Release();
                }

                foreach (var o in page.S3Objects ?? [])
                {
                    if (upTo is not null && KeyOrder.Before(upTo, o.Key))
                    {
                        writer.Complete();
                        return;
                    }

                    await writer.WriteAsync(new StoredObject(bucket, o.Key, o.Size ?? 0, o.ETag ?? string.Empty, S3ObjectStore.ToOffset(o.LastModified)), cancellationToken);
                }

                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);

            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
        }
    }
}
