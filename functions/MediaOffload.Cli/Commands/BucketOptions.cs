using System.CommandLine;
using MediaOffload.Core.Media;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Variants;

namespace MediaOffload.Cli.Commands;

/// <summary>The bucket side of every command: where the objects are, how to reach them, and the headers they must carry.</summary>
/// <param name="Bucket">The media bucket; required.</param>
/// <param name="Prefix">Key prefix, without slashes at its ends. Default <c>wp-content/uploads</c>.</param>
/// <param name="EndpointUrl">An S3-compatible endpoint; default AWS.</param>
/// <param name="Region">AWS region; default <c>AWS_REGION</c>, else us-east-1.</param>
/// <param name="Concurrency">S3 requests in flight. Default 16.</param>
/// <param name="Policy">The Cache-Control table, with the <c>--cache-control</c> overrides. Default: none.</param>
/// <param name="VariantFormats">The variant formats images must have, as the service's <c>Offload:Variants:Formats</c>. Default AVIF and WebP.</param>
internal sealed record BucketOptions(string Bucket, string Prefix, string? EndpointUrl, string? Region, int Concurrency, CachePolicy Policy, IReadOnlySet<VariantTarget> VariantFormats)
{
    /// <summary>The options as the parser sees them; one set per command.</summary>
    internal sealed class Definition
    {
        public Option<string> Bucket { get; } = new Option<string>("--bucket") { Description = "The media bucket.", Required = true }
            .Check(b => b is null || b.Length is < 3 or > 63 || b.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
                ? $"'{b}' is not a valid bucket name (3-63 lower-case letters, digits, '-' and '.')"
                : null);

        public Option<string> Prefix { get; } = new Option<string>("--prefix") { Description = "Key prefix for media.", DefaultValueFactory = _ => MediaKeys.DefaultPrefix }
            .Check(p => MediaKeys.CheckPrefix(Trim(p)) is { } error ? $"'{p}' {error} (docs/keys.md)" : null);

        public Option<string?> EndpointUrl { get; } = new Option<string?>("--endpoint-url") { Description = "A local S3 endpoint, as in the AWS CLI (e.g. http://127.0.0.1:5000)." }
            .Check(e => e is not null && (!Uri.TryCreate(e, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) ? $"'{e}' is not an http(s) URL" : null);

        public Option<string?> Region { get; } = new("--region") { Description = "AWS region; default AWS_REGION, else us-east-1." };

        public Option<int> Concurrency { get; } = new Option<int>("--concurrency") { Description = "S3 requests in flight.", DefaultValueFactory = _ => 16 }.Between(1, 256);

        public Option<string[]> CacheControl { get; } = new Option<string[]>("--cache-control")
        {
            Description = "Override Cache-Control for an extension (jpg=...) or a kind (Image=...), as the service's Offload:CacheControl:{key}; repeatable. Extension entries win over kinds.",
            HelpName = "KEY=VALUE",
            Arity = ArgumentArity.ZeroOrMore,
        }.Check(values => CacheControlOverrides.Problem(values));

        public Option<string> VariantFormats { get; } = new Option<string>("--variant-formats")
        {
            Description = "The variant formats images must have, as the service's Offload:Variants:Formats: avif,webp or webp. Others are orphans.",
            DefaultValueFactory = _ => new VariantOptions().Formats,
        }.Check(FormatsProblem);

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Bucket, Prefix, EndpointUrl, Region, Concurrency, CacheControl, VariantFormats })
            {
                command.Options.Add(option);
            }
        }

        public BucketOptions Read(ParseResult r) => new(
            r.GetValue(Bucket)!,
            Trim(r.GetValue(Prefix)),
            r.GetValue(EndpointUrl),
            r.GetValue(Region),
            r.GetValue(Concurrency),
            new CachePolicy(CacheControlOverrides.Parse(r.GetValue(CacheControl))),
            VariantOptions.ParseFormats(r.GetValue(VariantFormats)));

        // The service's own rule (VariantOptions.Validate), so the CLI accepts exactly what the service does.
        private static string? FormatsProblem(string? formats)
        {
            try
            {
                new VariantOptions { Formats = formats ?? string.Empty }.Validate();
                return null;
            }
            catch (ArgumentException e)
            {
                return $"'{formats}': {e.Message}";
            }
        }

        private static string Trim(string? prefix) => (prefix ?? MediaKeys.DefaultPrefix).Trim('/');
    }
}

/// <summary><c>--cache-control KEY=VALUE</c> values, read into the overrides <see cref="CachePolicy"/> takes.</summary>
internal static class CacheControlOverrides
{
    /// <summary>Null when every value is <c>KEY=VALUE</c> with a known key and a header-safe value, else the first problem.</summary>
    public static string? Problem(string[]? values)
    {
        foreach (var value in values ?? [])
        {
            var eq = value.IndexOf('=');
            if (eq <= 0 || eq == value.Length - 1)
            {
                return $"'{value}' is not KEY=VALUE";
            }

            var key = value[..eq];
            if (!CachePolicy.IsOverrideKey(key))
            {
                return $"'{key}' is neither an allowlisted extension nor a kind ({string.Join(", ", Enum.GetNames<MediaKind>())})";
            }

            if (value.AsSpan(eq + 1).ContainsAnyExceptInRange(' ', '~'))
            {
                return $"the value for '{key}' must be printable ASCII (it becomes a header)";
            }
        }

        return null;
    }

    /// <summary>The overrides by key; a later value for the same key wins, as a later configuration source does.</summary>
    public static Dictionary<string, string> Parse(string[]? values)
    {
        var overrides = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values ?? [])
        {
            var eq = value.IndexOf('=');
            overrides[value[..eq]] = value[(eq + 1)..];
        }

        return overrides;
    }
}
