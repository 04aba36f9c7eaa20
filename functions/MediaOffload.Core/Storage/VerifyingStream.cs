using System.Globalization;
using System.Security.Cryptography;

namespace MediaOffload.Core.Storage;

/// <summary>
/// Passes a source's bytes through to an upload while counting them and hashing them with MD5. It refuses to read
/// past the declared size, so a source cannot stream without end, and <see cref="EnsureComplete"/> is the store's
/// last check before commit (<see cref="ObjectWrite.BeforeCommit"/>). Both throw <see cref="ContentMismatchException"/>.
/// </summary>
/// <param name="head">Bytes already read from the source (e.g. for a magic-byte check), served first.</param>
/// <param name="rest">The rest of the source; disposed with this stream.</param>
public sealed class VerifyingStream(ReadOnlyMemory<byte> head, Stream rest, long declaredSize, string declaredMd5) : ReadOnlyStream(rest)
{
    public VerifyingStream(Stream source, long declaredSize, string declaredMd5)
        : this(ReadOnlyMemory<byte>.Empty, source, declaredSize, declaredMd5)
    {
    }

    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private ReadOnlyMemory<byte> _head = head;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        if (!_head.IsEmpty)
        {
            read = Math.Min(buffer.Length, _head.Length);
            _head[..read].CopyTo(buffer);
            _head = _head[read..];
        }
        else
        {
            read = await Inner.ReadAsync(buffer, cancellationToken);
        }

        BytesRead += read;
        if (BytesRead > declaredSize)
        {
            throw new ContentMismatchException(string.Create(CultureInfo.InvariantCulture, $"source has more than the declared {declaredSize} bytes"));
        }

        _md5.AppendData(buffer.Span[..read]);
        return read;
    }

    /// <summary>Throws <see cref="ContentMismatchException"/> unless exactly the declared bytes arrived with the declared MD5.</summary>
    public void EnsureComplete()
    {
        if (BytesRead != declaredSize)
        {
            throw new ContentMismatchException(string.Create(CultureInfo.InvariantCulture, $"source sent {BytesRead} bytes, {declaredSize} were declared"));
        }

        var actual = Convert.ToHexStringLower(_md5.GetCurrentHash());
        if (!string.Equals(actual, declaredMd5, StringComparison.OrdinalIgnoreCase))
        {
            throw new ContentMismatchException($"MD5 of the source's bytes is {actual}, {declaredMd5} was declared");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A source's bytes differ from what was declared for them: too many, too few, or another MD5.</summary>
public sealed class ContentMismatchException(string message) : Exception(message);
