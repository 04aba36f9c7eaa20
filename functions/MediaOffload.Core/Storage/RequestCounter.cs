namespace MediaOffload.Core.Storage;

/// <summary>The S3 request kinds a report counts.</summary>
public enum RequestKind
{
    List,
    Head,
    Put,
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
