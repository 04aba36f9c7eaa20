using System.Buffers;
using MediaOffload.Core.Storage;
using MediaOffload.Storage;
using MediaOffload.TestSupport;

namespace MediaOffload.Storage.Tests;

/// <summary>
/// Upload buffers come from the shared pool. Returning one twice would hand the same array to two concurrent
/// uploads and mix their bytes, so a failed upload must return each buffer exactly once.
/// </summary>
public sealed class BufferOwnershipTests
{
    private const int PartSize = 5 * 1024 * 1024;

    [Theory]
    [InlineData(1024)]
    [InlineData((2 * PartSize) + 17)]
    public async Task PutAsync_BeforeCommitThrows_ReturnsEachBufferOnce(int size)
    {
        var moto = await MotoServer.Shared;
        var bucket = await moto.CreateBucketAsync("buffers");
        using var s3 = moto.CreateClient();
        var store = new S3ObjectStore(s3, new S3StoreOptions { ServiceUrl = moto.Endpoint, PartSizeBytes = PartSize });
        var write = new ObjectWrite(bucket, "refused.bin", new ObjectHeaders("application/octet-stream", null, new Dictionary<string, string>()),
            BeforeCommit: () => throw new InvalidOperationException("refused"));

        await Task.Run(async () =>
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.PutAsync(write, new MemoryStream(new byte[size]), CancellationToken.None));
            // On this thread, a twice-returned array would come back from two consecutive rents.
            var a = ArrayPool<byte>.Shared.Rent(PartSize);
            var b = ArrayPool<byte>.Shared.Rent(PartSize);
            Assert.NotSame(a, b);
            ArrayPool<byte>.Shared.Return(a);
            ArrayPool<byte>.Shared.Return(b);
        });
    }
}
