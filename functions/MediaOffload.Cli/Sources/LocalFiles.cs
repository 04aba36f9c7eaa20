using System.Collections.Concurrent;

namespace MediaOffload.Cli.Sources;

/// <summary>
/// Maps planned (NFC) paths back to names on disk: a folder copied from macOS keeps decomposed names, which
/// the plan normalises. Only the differing names are held.
/// </summary>
internal sealed class LocalFiles(string root)
{
    private readonly ConcurrentDictionary<string, string> _renamed = new(StringComparer.Ordinal);

    public string Root { get; } = Path.GetFullPath(root);

    public void Remember(string normalized, string onDisk)
    {
        if (normalized != onDisk)
        {
            _renamed[normalized] = onDisk;
        }
    }

    public string FullPath(string normalized) =>
        Path.Combine(Root, (_renamed.TryGetValue(normalized, out var raw) ? raw : normalized).Replace('/', Path.DirectorySeparatorChar));
}
