namespace MediaOffload.Core.Storage;

/// <summary>The S3 request kinds a report counts (docs/reconcile.md, "Report format").</summary>
public enum RequestKind
{
    /// <summary>A ListObjectsV2 page, including the one-key listings that tell a missing key from a missing bucket.</summary>
    List,
    Head,
    /// <summary>An object written: one single-part PUT, or one whole multipart upload.</summary>
    Put,
    /// <summary>A GetObject: reading an image to make its variant.</summary>
    Get,
    /// <summary>A copy in place that puts headers right.</summary>
    Copy,
    Delete,
}

/// <summary>Counts S3 requests by kind, so a report can prove that a no-op run wrote nothing. Thread-safe.</summary>
public sealed class RequestCounter
{
    private readonly long[] _counts = new long[Enum.GetValues<RequestKind>().Length];

    public void Add(RequestKind kind) => Interlocked.Increment(ref _counts[(int)kind]);

    public long this[RequestKind kind] => Interlocked.Read(ref _counts[(int)kind]);

    public IReadOnlyDictionary<string, long> ToDictionary() =>
        Enum.GetValues<RequestKind>().ToDictionary(k => k.ToString().ToLowerInvariant(), k => this[k]);
}
