using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Json;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Variants;

/// <summary>Why a variant key holds nothing: the source it was judged on, and the reason.</summary>
public sealed record VariantRejection(string Key, string SourceETag, string Reason, DateTimeOffset At);

/// <summary>
/// Rejections of images for variants, kept in the control bucket under <c>variant-rejections/</c> so the job status
/// route can say why a variant is missing (docs/status.md). A made variant needs no record: the bucket holds it. A
/// record counts only while the source still has the ETag it names, so a changed source is judged afresh.
/// </summary>
public sealed class VariantRejections(IObjectStore store, IOptions<OffloadOptions> options)
{
    /// <summary>The control-bucket prefix of rejection records.</summary>
    public const string KeyPrefix = "variant-rejections/";

    private readonly string _bucket = options.Value.ControlBucket;

    /// <summary>Records that <paramref name="variantKey"/> could not be made from the source with <paramref name="sourceETag"/>.</summary>
    public async Task RecordAsync(string variantKey, string sourceETag, string reason, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new VariantRejection(variantKey, ETags.Normalize(sourceETag), reason, at), ApiJsonContext.Default.VariantRejection);
        using var content = new MemoryStream(bytes, writable: false);
        await store.PutAsync(new ObjectWrite(_bucket, KeyFor(variantKey), new ObjectHeaders("application/json", "no-store", new Dictionary<string, string>())), content, cancellationToken);
    }

    /// <summary>Why <paramref name="variantKey"/> was not made from the source with <paramref name="sourceETag"/>, or null.</summary>
    public async Task<string?> FindAsync(string variantKey, string sourceETag, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(_bucket, KeyFor(variantKey), cancellationToken);
        if (stream is null)
        {
            return null;
        }

        var record = await JsonSerializer.DeserializeAsync(stream, ApiJsonContext.Default.VariantRejection, cancellationToken);
        return record is not null && record.Key == variantKey && ETags.Same(record.SourceETag, sourceETag) ? record.Reason : null;
    }

    /// <summary>One object per variant key, named by a hash so no key's characters reach a control-bucket path.</summary>
    public static string KeyFor(string variantKey) =>
        $"{KeyPrefix}{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(variantKey)))[..32]}.json";
}
