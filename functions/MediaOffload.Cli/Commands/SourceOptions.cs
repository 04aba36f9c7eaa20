using System.CommandLine;
using System.Security.Cryptography;
using System.Text;

namespace MediaOffload.Cli.Commands;

/// <summary>The local side of <c>sync</c> and <c>reconcile</c>: the uploads folder and the state file that caches it.</summary>
/// <param name="UploadsDir">The WordPress uploads folder; must exist.</param>
/// <param name="StatePath">The state file; null for one per scope under the user's cache folder, <c>none</c> for no state.</param>
internal sealed record SourceOptions(string UploadsDir, string? StatePath)
{
    /// <summary>Identifies what is compared, so a checkpoint or state file is never applied to another pair.</summary>
    public string ScopeWith(BucketOptions bucket) => $"s3://{bucket.Bucket}/{bucket.Prefix} <- {UploadsDir}";

    /// <summary>The state file: given, or one per scope (and endpoint) under the user's cache directory.</summary>
    public string? ResolveStatePath(BucketOptions bucket)
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

        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ScopeWith(bucket) + "|" + bucket.EndpointUrl)))[..16];
        return Path.Combine(cache, "media-offload", $"state-{id}.jsonl");
    }

    internal sealed class Definition
    {
        public Argument<string> UploadsDir { get; } = new Argument<string>("uploads-dir") { Description = "The WordPress uploads folder, e.g. /var/www/html/wp-content/uploads." }
            .Check(dir => string.IsNullOrWhiteSpace(dir) || !Directory.Exists(dir) ? $"'{dir}' does not exist" : null);

        public Option<string?> State { get; } = new Option<string?>("--state")
        {
            Description = "Cache of file MD5s, audited headers and files rejected for good; default under ~/.cache/media-offload, 'none' to disable.",
        }.WritableFile();

        public void AddTo(Command command)
        {
            command.Arguments.Add(UploadsDir);
            command.Options.Add(State);
        }

        public SourceOptions Read(ParseResult r) => new(r.GetValue(UploadsDir)!, r.GetValue(State));
    }
}
