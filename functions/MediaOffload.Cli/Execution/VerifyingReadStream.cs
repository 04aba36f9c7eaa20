using System.Security.Cryptography;

namespace MediaOffload.Cli.Execution;

/// <summary>Reads a file for a multipart upload and refuses the commit when its length or MD5 changed since planning.</summary>
internal sealed class VerifyingReadStream(Stream inner, long expectedLength, string expectedMd5) : Stream
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => expectedLength;
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _md5.AppendData(buffer[..n]);
        _read += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        _md5.AppendData(buffer.Span[..n]);
        _read += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Runs before the upload commits; throwing abandons it.</summary>
    public void EnsureComplete()
    {
        if (_read != expectedLength || !string.Equals(Convert.ToHexStringLower(_md5.GetHashAndReset()), expectedMd5, StringComparison.OrdinalIgnoreCase))
        {
            throw new StepFailedException("file changed after it was planned; nothing was written (run again)");
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }
}
