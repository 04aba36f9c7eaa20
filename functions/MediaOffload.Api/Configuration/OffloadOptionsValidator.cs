using System.Text.RegularExpressions;
using MediaOffload.Api.Hosting;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Paths;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Configuration;

/// <summary>Fails start-up with messages that name the configuration key at fault, and never echo a secret.</summary>
public sealed partial class OffloadOptionsValidator : IValidateOptions<OffloadOptions>
{
    /// <summary>HMAC-SHA256 keys shorter than this are guessable.</summary>
    public const int MinSecretLength = 32;

    private const string P = OffloadOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, OffloadOptions o)
    {
        var errors = new List<string>();
        var role = FunctionRoles.Parse(o.Role);
        if (role is null)
        {
            errors.Add(string.IsNullOrWhiteSpace(o.Role)
                ? $"{P}Role is required: one of {string.Join(", ", FunctionRoles.Names)}."
                : $"{P}Role '{o.Role}' is unknown: use one of {string.Join(", ", FunctionRoles.Names)}.");
        }
        else if (role == FunctionRole.Local && !o.S3.IsLocal)
        {
            errors.Add($"{P}Role=local maps every route, the unsigned event endpoints included, so it needs a local S3 endpoint ({P}S3:ServiceUrl).");
        }

        CheckBucket(errors, "MediaBucket", o.MediaBucket);
        CheckBucket(errors, "ControlBucket", o.ControlBucket);
        if (!string.IsNullOrEmpty(o.MediaBucket) && string.Equals(o.MediaBucket, o.ControlBucket, StringComparison.Ordinal))
        {
            errors.Add($"{P}ControlBucket must differ from {P}MediaBucket, so job objects never mix with media.");
        }

        if (MediaKeys.CheckPrefix(o.KeyPrefix) is { } prefixError)
        {
            errors.Add($"{P}KeyPrefix {prefixError}; it must match ^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$ (docs/keys.md).");
        }

        if (o.SigningSecrets.Length == 0 && (o.Sites.Length == 0 || o.Sites.Any(s => s.SigningSecrets.Length == 0)))
        {
            errors.Add($"{P}SigningSecrets is required: at least one secret shared with the WordPress plugin (or one bound to each of {P}Sites).");
        }

        for (var i = 0; i < o.SigningSecrets.Length; i++)
        {
            if ((o.SigningSecrets[i] ?? string.Empty).Length < MinSecretLength)
            {
                errors.Add($"{P}SigningSecrets:{i} is shorter than {MinSecretLength} characters.");
            }
        }

        CheckSites(errors, o);
        if (o.AllowedOrigins.Length == 0 && o.Sites.Length == 0)
        {
            errors.Add($"{P}AllowedOrigins is required: the base URLs of the WordPress sites, e.g. https://blog.example.com.");
        }

        for (var i = 0; i < o.AllowedOrigins.Length; i++)
        {
            if (!OriginAllowlist.TryGetOrigin(o.AllowedOrigins[i], out var origin, out var error))
            {
                errors.Add($"{P}AllowedOrigins:{i} is not a usable base URL: {error}.");
            }
            else if (!o.AllowHttp && origin.StartsWith("http:", StringComparison.Ordinal))
            {
                errors.Add($"{P}AllowedOrigins:{i} uses plain http; use https or set {P}AllowHttp=true.");
            }
        }

        var allowlist = new OriginAllowlist(o.SiteUrls, allowHttp: true);
        for (var i = 0; i < o.UploadsUrls.Length; i++)
        {
            if (UploadsLocations.CheckBaseUrl(o.UploadsUrls[i]) is { } error)
            {
                errors.Add($"{P}UploadsUrls:{i} is not a usable uploads base URL: {error}.");
            }
            else if (allowlist.Check(o.UploadsUrls[i]) is not null)
            {
                errors.Add($"{P}UploadsUrls:{i} is not on a site listed in {P}AllowedOrigins.");
            }
        }

        if (o.S3.IsLocal && !Uri.TryCreate(o.S3.ServiceUrl, UriKind.Absolute, out _))
        {
            errors.Add($"{P}S3:ServiceUrl is not an absolute URL.");
        }

        if (o.S3.PartSizeBytes < 5 * 1024 * 1024)
        {
            errors.Add($"{P}S3:PartSizeBytes must be at least 5 MiB, the S3 minimum part size.");
        }

        Positive(errors, "S3:MaxConcurrentParts", o.S3.MaxConcurrentParts);
        Positive(errors, "MaxEventBytes", o.MaxEventBytes);
        Positive(errors, "MaxFileBytes", o.MaxFileBytes);
        Positive(errors, "MaxFilesPerEvent", o.MaxFilesPerEvent);
        Positive(errors, "FileConcurrency", o.FileConcurrency);
        Positive(errors, "Origin:MaxAttempts", o.Origin.MaxAttempts);
        if (o.MemoryBudgetMiB is { } budget)
        {
            Positive(errors, "MemoryBudgetMiB", budget);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckSites(List<string> errors, OffloadOptions o)
    {
        var secrets = new HashSet<string>(o.SigningSecrets, StringComparer.Ordinal);
        var keySpaces = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Sites.Length; i++)
        {
            var site = o.Sites[i];
            if (!OriginAllowlist.TryGetOrigin(site.Url, out var origin, out var error))
            {
                errors.Add($"{P}Sites:{i}:Url is not a usable base URL: {error}.");
            }
            else if (!o.AllowHttp && origin.StartsWith("http:", StringComparison.Ordinal))
            {
                errors.Add($"{P}Sites:{i}:Url uses plain http; use https or set {P}AllowHttp=true.");
            }

            var keySpace = (site.KeySpace ?? string.Empty).Trim('/');
            if (keySpace.Length > 0 && (MediaKeys.CheckPrefix(keySpace) is not null || keySpace.Split('/').Any(s => s is "." or "..")))
            {
                errors.Add($"{P}Sites:{i}:KeySpace must be empty or like sites/2 (segments of letters, digits, '.', '_' and '-').");
            }
            else if (!keySpaces.Add(keySpace))
            {
                errors.Add($"{P}Sites:{i}:KeySpace '{keySpace}' is another site's too; each site needs its own.");
            }

            for (var j = 0; j < site.SigningSecrets.Length; j++)
            {
                if ((site.SigningSecrets[j] ?? string.Empty).Length < MinSecretLength)
                {
                    errors.Add($"{P}Sites:{i}:SigningSecrets:{j} is shorter than {MinSecretLength} characters.");
                }
                else if (!secrets.Add(site.SigningSecrets[j]))
                {
                    // One secret in two places would sign for both: the binding would mean nothing.
                    errors.Add($"{P}Sites:{i}:SigningSecrets:{j} is also listed elsewhere; a bound secret must be this site's only.");
                }
            }
        }
    }

    private static void CheckBucket(List<string> errors, string key, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{P}{key} is required.");
        }
        else if (!BucketName().IsMatch(value))
        {
            errors.Add($"{P}{key} '{value}' is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and hyphens).");
        }
    }

    private static void Positive(List<string> errors, string key, long value)
    {
        if (value <= 0)
        {
            errors.Add($"{P}{key} must be greater than zero.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
