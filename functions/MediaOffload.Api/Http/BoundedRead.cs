namespace MediaOffload.Api.Http;

/// <summary>Reads a whole stream into memory, but never more than a cap, whatever a Content-Length claimed.</summary>
internal static class BoundedRead
{
    /// <summary>The bytes, or null as soon as the stream proves longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own body limit (the largest endpoint cap) was reached first.
            return null;
        }

        return buffer.ToArray();
    }
}
