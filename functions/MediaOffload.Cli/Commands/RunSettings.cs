using System.Security.Cryptography;
using System.Text;
using MediaOffload.Core.Paths;

namespace MediaOffload.Cli.Commands;

/// <summary>Validated options of one run.</summary>
internal sealed record RunSettings(
    RunMode Mode,
    string? UploadsDir,
    string Bucket,
    string Prefix,
    string? EndpointUrl,
    string? Region,
    bool DryRun,
    bool Delete,
    bool Force,
    int Concurrency,
    bool Json,
    string? ReportPath,
    string? CheckpointPath,
    string? StatePath,
    bool Variants,
    int MaxDelete,
    double MaxDeleteFraction,
    string? BatchManifestPath)
{
    /// <summary>Identifies what is compared, so a checkpoint or state file is never applied to another pair.</summary>
    public string Scope => $"s3://{Bucket}/{Prefix} <- {UploadsDir}";

    /// <summary>Checks what the parser cannot; throws <see cref="UsageException"/>.</summary>
    public RunSettings Validate()
    {
        if (Mode != RunMode.Verify)
        {
            if (string.IsNullOrWhiteSpace(UploadsDir) || !Directory.Exists(UploadsDir))
            {
                throw new UsageException($"uploads directory '{UploadsDir}' does not exist");
            }
        }

        if (Bucket.Length is < 3 or > 63 || Bucket.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            throw new UsageException($"'{Bucket}' is not a valid bucket name (3-63 lower-case letters, digits, '-' and '.')");
        }

        if (MediaKeys.CheckPrefix(Prefix) is { } error)
        {
            throw new UsageException($"--prefix '{Prefix}' {error} (docs/keys.md)");
        }

        if (EndpointUrl is not null && (!Uri.TryCreate(EndpointUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new UsageException($"--endpoint-url '{EndpointUrl}' is not an http(s) URL");
        }

        if (Concurrency is < 1 or > 256)
        {
            throw new UsageException("--concurrency must be between 1 and 256");
        }

        if (MaxDelete < 0 || MaxDeleteFraction is < 0 or > 1)
        {
            throw new UsageException("--max-delete must be >= 0 and --max-delete-percent between 0 and 100");
        }

        if (Force && !Delete)
        {
            throw new UsageException("--force only lifts the cap of --delete; pass --delete too");
        }

        foreach (var file in new[] { ReportPath, CheckpointPath, StatePath, BatchManifestPath })
        {
            if (file is not null && Path.GetDirectoryName(Path.GetFullPath(file)) is { } dir && !Directory.Exists(dir))
            {
                throw new UsageException($"directory of '{file}' does not exist");
            }
        }

        return this;
    }

    /// <summary>The state file: given, or one per scope under the user's cache directory.</summary>
    public string? ResolveStatePath()
    {
        if (StatePath is not null)
        {
            return StatePath == "none" ? null : StatePath;
        }

        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home))
            {
                return null;
            }

            cache = Path.Combine(home, ".cache");
        }

        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Scope + "|" + EndpointUrl)))[..16];
        return Path.Combine(cache, "media-offload", $"state-{id}.jsonl");
    }
}
