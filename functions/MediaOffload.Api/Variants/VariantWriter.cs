using MediaOffload.Api.Configuration;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Variants;

/// <summary>The result of making or removing one variant.</summary>
/// <param name="Changed">Whether the variant object was written or deleted.</param>
/// <param name="Failure">Why no variant could be made (a rejected image), or null.</param>
/// <param name="RejectedSourceETag">
/// When the failure is the image's own (rejected, too large), the ETag of the source it was judged on: it cannot
/// succeed until that source changes. Null otherwise.
/// </param>
/// <param name="Written">The variant object as written, with the headers sent, when this call wrote one.</param>
public sealed record VariantResult(bool Changed, string Detail, string? Failure = null, string? RejectedSourceETag = null, StoredObject? Written = null);

/// <summary>
/// Writes <c>&lt;key&gt;.webp</c> next to a media image, or removes it. The original is only ever read.
/// </summary>
public sealed class VariantWriter(IObjectStore store, IVariantEncoder encoder, MemoryBudget budget, IOptions<VariantOptions> variantOptions, IOptions<OffloadOptions> options, CachePolicy cachePolicy)
{
    private readonly VariantOptions _variants = variantOptions.Value;

    /// <summary>The same writer over another store: a run's, which counts its requests.</summary>
    public VariantWriter With(IObjectStore other) => new(other, encoder, budget, variantOptions, options, cachePolicy);
    private readonly string _bucket = options.Value.MediaBucket;

    /// <summary>Makes the variant for <paramref name="sourceKey"/> unless one made from the same source ETag exists.</summary>
    public async Task<VariantResult> CreateAsync(string sourceKey, CancellationToken cancellationToken)
    {
        try
        {
            return await CreateOnceAsync(sourceKey, cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            // Another writer took the key between the HEAD and the PUT (the Variants function and a reconcile both
            // answering one upload, say): decide again on what is there now, which is usually the same variant.
            try
            {
                return await CreateOnceAsync(sourceKey, cancellationToken);
            }
            catch (PreconditionFailedException)
            {
                return new VariantResult(false, "not written", "the variant key kept changing while the variant was being made; the next event or reconcile decides again");
            }
        }
    }

    private async Task<VariantResult> CreateOnceAsync(string sourceKey, CancellationToken cancellationToken)
    {
        if (!VariantKeys.TryGetSourceKind(sourceKey, out var kind))
        {
            return new VariantResult(false, "not a JPEG, PNG or GIF key");
        }

        var source = await store.HeadAsync(_bucket, sourceKey, cancellationToken);
        if (source is null)
        {
            return new VariantResult(false, "source no longer exists");
        }

        var sourceType = MediaTypes.ForExtension(Path.GetExtension(sourceKey).TrimStart('.'))!;
        var variantKey = VariantKeys.VariantKeyFor(sourceKey);
        var existing = await store.HeadAsync(_bucket, variantKey, cancellationToken);
        if (existing?.Headers is { } found && !VariantMetadata.IsVariant(found))
        {
            return new VariantResult(false, ForeignObject);
        }

        if (existing?.Headers is { } current && ETags.Same(current.Meta(VariantMetadata.SourceETag), source.ETag))
        {
            // Made from these very bytes: at most its headers are out of date, and a copy puts them right.
            if (ObjectHeaderRules.VariantDifference(current, sourceType, cachePolicy) is null)
            {
                return new VariantResult(false, "variant already current");
            }

            var copied = await store.ReplaceHeadersAsync(ObjectHeaderRules.FixedVariant(current, sourceType, cachePolicy), _bucket, variantKey, existing.ETag, cancellationToken);
            return new VariantResult(true, "variant headers put right", Written: copied);
        }

        if (source.Size > _variants.MaxInputBytes)
        {
            return new VariantResult(false, "input too large", $"source is {source.Size} bytes; the limit is {_variants.MaxInputBytes}", source.ETag);
        }

        var bytes = await ReadAsync(sourceKey, source.Size, cancellationToken);
        var outcome = await VariantDecision.EncodeAndDecideAsync(encoder, budget, bytes, source.Headers?.ContentType, kind, cancellationToken);
        if (!outcome.ShouldWrite)
        {
            return new VariantResult(false, $"rejected ({outcome.Metadata[VariantDecision.RejectionKey]})", outcome.Rejection!.Reason, source.ETag);
        }

        var headers = ObjectHeaderRules.ForVariant(outcome, sourceType, source.ETag, cachePolicy);
        using var body = new MemoryStream(outcome.Body.ToArray(), writable: false);
        // Only over what the HEAD saw: a foreign object put there meanwhile is not overwritten (docs/keys.md).
        var written = await store.PutAsync(new ObjectWrite(_bucket, variantKey, headers, Condition: WriteCondition.Unchanged(existing)), body, cancellationToken);
        return new VariantResult(true, outcome.Format == VariantFormat.WebP
            ? $"wrote WebP ({outcome.Body.Length} of {bytes.Length} bytes)"
            : "wrote the original bytes: WebP was not smaller", Written: written with { Headers = written.Headers ?? headers });
    }

    /// <summary>What a result says when a foreign object holds the variant key.</summary>
    public const string ForeignObject = "left alone: the object at the variant key is not a variant (it records no source ETag)";

    /// <summary>Removes the variant of a deleted source; an object there that is not one of ours stays (docs/keys.md).</summary>
    public async Task<VariantResult> DeleteAsync(string sourceKey, CancellationToken cancellationToken)
    {
        var variantKey = VariantKeys.VariantKeyFor(sourceKey);
        var existing = await store.HeadAsync(_bucket, variantKey, cancellationToken);
        if (existing is null)
        {
            return new VariantResult(false, "no variant to delete");
        }

        if (existing.Headers is { } found && !VariantMetadata.IsVariant(found))
        {
            return new VariantResult(false, ForeignObject);
        }

        try
        {
            await store.DeleteAsync(_bucket, variantKey, existing.ETag, cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            return new VariantResult(false, "not deleted", "the variant changed while it was being deleted; the next reconcile decides again");
        }

        return new VariantResult(true, "variant deleted");
    }

    private async Task<byte[]> ReadAsync(string key, long size, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(_bucket, key, cancellationToken)
            ?? throw new InvalidOperationException($"{key} vanished while its variant was being made");
        var buffer = new byte[size];
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        return read == buffer.Length ? buffer : buffer[..read];
    }
}
