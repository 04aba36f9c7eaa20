using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Core.Storage;
using MediaOffload.Storage;
using MediaOffload.TestSupport;

namespace MediaOffload.Storage.Tests;

/// <summary>A store and a raw client on the shared moto_server, plus a fresh bucket.</summary>
internal sealed class S3Harness : IDisposable
{
    public const int MiB = 1024 * 1024;

    private S3Harness(MotoServer moto, S3StoreOptions options, string bucket)
    {
        Moto = moto;
        Options = options;
        Bucket = bucket;
        StoreClient = S3ClientFactory.Create(options, MotoServer.Credentials);
        Store = new S3ObjectStore(StoreClient, options);
        Client = moto.CreateClient();
    }

    public MotoServer Moto { get; }

    public S3StoreOptions Options { get; }

    public string Bucket { get; }

    public S3ObjectStore Store { get; }

    public IAmazonS3 Client { get; }

    private IAmazonS3 StoreClient { get; }

    public static async Task<S3Harness> StartAsync(string label, Action<S3StoreOptions>? configure = null)
    {
        var moto = await MotoServer.Shared;
        var options = new S3StoreOptions { ServiceUrl = moto.Endpoint, Region = "us-east-1", MaxRetries = 1, RequestTimeout = TimeSpan.FromSeconds(30) };
        configure?.Invoke(options);
        return new S3Harness(moto, options, await moto.CreateBucketAsync(label));
    }

    public static ObjectWrite Write(string bucket, string key, Action? beforeCommit = null, string? contentMd5 = null) => new(
        bucket,
        key,
        new ObjectHeaders("image/jpeg", "public, max-age=31536000, immutable", new Dictionary<string, string>
        {
            [MediaMetadata.SourceMd5] = "0123456789abcdef0123456789abcdef",
            [MediaMetadata.CachePolicy] = "p1-1234abcd",
        }),
        beforeCommit,
        contentMd5);

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public async Task<bool> ExistsAsync(string key)
    {
        try
        {
            await Client.GetObjectMetadataAsync(Bucket, key);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<byte[]> ReadAllAsync(string key)
    {
        using var response = await Client.GetObjectAsync(Bucket, key);
        using var ms = new MemoryStream();
        await response.ResponseStream.CopyToAsync(ms);
        return ms.ToArray();
    }

    public async Task<IReadOnlyList<MultipartUpload>> InProgressUploadsAsync()
    {
        var response = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket });
        return response.MultipartUploads ?? [];
    }

    public void Dispose()
    {
        Client.Dispose();
        StoreClient.Dispose();
    }
}

/// <summary>A source stream that serves <paramref name="content"/> and then throws instead of ending.</summary>
internal sealed class FailingStream(byte[] content, int failAfter) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= failAfter)
        {
            throw new IOException("The origin connection was reset.");
        }

        var n = Math.Min(buffer.Length, Math.Min(failAfter, content.Length) - _position);
        content.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// Serves <paramref name="content"/>; when the reader reaches <paramref name="hookAt"/> it runs <paramref name="hook"/> once,
/// and from then on each read waits <paramref name="slowReadDelay"/> first, honouring cancellation.
/// </summary>
internal sealed class HookedStream(byte[] content, int hookAt, Func<CancellationToken, Task> hook, TimeSpan slowReadDelay) : Stream
{
    private int _position;
    private bool _hooked;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= hookAt)
        {
            if (!_hooked)
            {
                _hooked = true;
                await hook(cancellationToken);
            }

            await Task.Delay(slowReadDelay, cancellationToken);
        }

        var limit = _position < hookAt ? hookAt : content.Length;
        var n = Math.Min(buffer.Length, limit - _position);
        content.AsMemory(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
