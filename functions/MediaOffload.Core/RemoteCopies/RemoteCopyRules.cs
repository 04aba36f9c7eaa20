using MediaOffload.Core.Events;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.RemoteCopies;

/// <summary>One file of a removal check or a restore, as validated: its path, its key, and for a check what the plugin holds.</summary>
public sealed record RemoteCopyFile(string Path, string Key, long Size = 0, string Md5 = "");

/// <summary>
/// The rules of the remote-only routes (docs/remote-only.md): which requests are well formed, and when the bucket
/// vouches for a file so that its local copy may go. Pure.
/// </summary>
public static class RemoteCopyRules
{
    /// <summary>Most files one check or restore may name.</summary>
    public const int MaxFiles = 100;

    /// <summary>What a removal check answers for every file when the bucket keeps no earlier versions.</summary>
    public const string NotVersioned = "the media bucket is not versioned, so a removed file could not be recovered if its object were overwritten; turn versioning on (docs/remote-only.md)";

    /// <summary>The files of a removal check, or why the request is malformed.</summary>
    public static (IReadOnlyList<RemoteCopyFile> Files, string? Problem) Parse(RemovalCheckRequest request, EventRules rules)
    {
        ArgumentNullException.ThrowIfNull(request);
        var files = request.Files ?? [];
        if (CheckShape(request.Site, files.Count, rules) is { } problem)
        {
            return ([], problem);
        }

        var parsed = new List<RemoteCopyFile>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            if (files[i] is not { } file)
            {
                return ([], $"files[{i}] must be an object");
            }

            if (!TryKey(file.Path, rules, out var path, out var key, out var pathProblem))
            {
                return ([], $"files[{i}].path {pathProblem}");
            }

            if (file.Size is not >= 0)
            {
                return ([], $"files[{i}].size must be a whole number of bytes");
            }

            if (!EventValidator.IsMd5Hex(file.Md5))
            {
                return ([], $"files[{i}].md5 must be 32 hexadecimal characters");
            }

            parsed.Add(new RemoteCopyFile(path, key, file.Size.Value, file.Md5!.ToLowerInvariant()));
        }

        return (parsed, null);
    }

    /// <summary>The files of a restore, or why the request is malformed.</summary>
    public static (IReadOnlyList<RemoteCopyFile> Files, string? Problem) Parse(RestoreRequest request, EventRules rules)
    {
        ArgumentNullException.ThrowIfNull(request);
        var paths = request.Paths ?? [];
        if (CheckShape(request.Site, paths.Count, rules) is { } problem)
        {
            return ([], problem);
        }

        var parsed = new List<RemoteCopyFile>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            if (!TryKey(paths[i], rules, out var path, out var key, out var pathProblem))
            {
                return ([], $"paths[{i}] {pathProblem}");
            }

            parsed.Add(new RemoteCopyFile(path, key));
        }

        return (parsed, null);
    }

    /// <summary>
    /// Null when the local copy of <paramref name="file"/> may be removed: the bucket is versioned and
    /// <paramref name="obj"/> (from a HEAD, so with its metadata) has the file's size and MD5. Else why not.
    /// </summary>
    public static string? WhyNotRemovable(RemoteCopyFile file, StoredObject? obj, bool versioned)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!versioned)
        {
            return NotVersioned;
        }

        if (obj is null)
        {
            return "no object at the key";
        }

        if (obj.Size != file.Size)
        {
            return $"size differs: the file has {file.Size} B, the object {obj.Size} B";
        }

        return ETags.ContentMd5(obj) switch
        {
            null => "the object is multipart and records no source-md5, so its content cannot be vouched for",
            var md5 when md5 != file.Md5 => "MD5 differs between the file and the object",
            _ => null,
        };
    }

    private static string? CheckShape(string? site, int count, EventRules rules)
    {
        if (string.IsNullOrWhiteSpace(site))
        {
            return "site is required";
        }

        if (rules.Origins.Check(site) is { } siteProblem)
        {
            return $"site {siteProblem}";
        }

        return count switch
        {
            0 => "at least one file is required",
            > MaxFiles => $"at most {MaxFiles} files per request",
            _ => null,
        };
    }

    private static bool TryKey(string? raw, EventRules rules, out string path, out string key, out string problem)
    {
        (path, key, problem) = ("", "", "");
        if (string.IsNullOrEmpty(raw))
        {
            problem = "is required";
            return false;
        }

        if (!MediaPath.TryParse(raw, out var parsed, out var error))
        {
            problem = error;
            return false;
        }

        (path, key) = (parsed.Value, rules.Keys.KeyFor(parsed));
        return true;
    }
}
