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
/// Writes the variants next to a media image (<c>&lt;key&gt;.avif</c> and <c>&lt;key&gt;.webp</c>, docs/keys.md,
/// "Variants"), or removes them. The original is only ever read.
/// </summary>
public sealed class VariantWriter(IObjectStore store, IVariantEncoder encoder, MemoryBudget budget, VariantRejections rejections, IOptions<VariantOptions> variantOptions, IOptions<OffloadOptions> options, CachePolicy cachePolicy, TimeProvider clock)
{
    private readonly VariantOptions _variants = variantOptions.Value;
    private readonly IReadOnlySet<VariantTarget> _formats = VariantOptions.ParseFormats(variantOptions.Value.Formats);
    private readonly SharedEncodes _encodes = new(encoder, budget);
    private readonly string _bucket = options.Value.MediaBucket;

    /// <summary>The formats this writer makes (<see cref="VariantOptions.Formats"/>).</summary>
    public IReadOnlySet<VariantTarget> Formats => _formats;

    /// <summary>The same writer over another store: a run's, which counts its requests.</summary>
    public VariantWriter With(IObjectStore other) => new(other, encoder, budget, rejections, variantOptions, options, cachePolicy, clock);

    /// <summary>
    /// Makes every variant of <paramref name="sourceKey"/> (an S3 event's work), one result per key in key order, from
    /// at most one decode.
    /// </summary>
    public async Task<IReadOnlyList<(VariantTarget Target, VariantResult Result)>> CreateAllAsync(string sourceKey, CancellationToken cancellationToken)
    {
        // Started together, in key order, so the .webp key takes the WebP the .avif key's encode made.
        var steps = VariantKeys.VariantsOf(sourceKey, _formats).Select(v => (v.Target, Step: CreateAsync(sourceKey, v.Target, cancellationToken))).ToList();
        var results = new List<(VariantTarget, VariantResult)>();
        foreach (var (target, step) in steps)
        {
            results.Add((target, await step));
        }

        return results;
    }

    /// <summary>
    /// Makes <paramref name="sourceKey"/>'s <paramref name="target"/> variant unless one made from the same source ETag
    /// exists. Call it for a source's <c>.avif</c> key before its <c>.webp</c> key (plan order) so the two share one
    /// decode (<see cref="SharedEncodes"/>).
    /// </summary>
    public Task<VariantResult> CreateAsync(string sourceKey, VariantTarget target, CancellationToken cancellationToken)
    {
        if (!VariantKeys.TryGetSourceKind(sourceKey, out var kind))
        {
            return Task.FromResult(new VariantResult(false, NotASource));
        }

        if (!VariantKeys.TargetsFor(kind, _formats).Contains(target))
        {
            return Task.FromResult(new VariantResult(false, $"no {target.Name()} variant: Variants:Formats is '{_variants.Formats}'"));
        }

        // Before the first await (see SharedEncodes).
        var claim = _encodes.Start(sourceKey, target);
        return CreateClaimedAsync(sourceKey, kind, claim, cancellationToken);
    }

    private async Task<VariantResult> CreateClaimedAsync(string sourceKey, SourceImageKind kind, SharedEncodes.Claim claim, CancellationToken cancellationToken)
    {
        using var _ = claim;
        try
        {
            return await CreateOnceAsync(sourceKey, kind, claim, cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            // Another writer took the key between the HEAD and the PUT (the Variants function and a reconcile both
            // answering one upload, say): decide again on what is there now, which is usually the same variant.
            try
            {
                return await CreateOnceAsync(sourceKey, kind, claim, cancellationToken);
            }
            catch (PreconditionFailedException)
            {
                return new VariantResult(false, "not written", "the variant key kept changing while the variant was being made; the next event or reconcile decides again");
            }
        }
    }

    private async Task<VariantResult> CreateOnceAsync(string sourceKey, SourceImageKind kind, SharedEncodes.Claim claim, CancellationToken cancellationToken)
    {
        var source = await store.HeadAsync(_bucket, sourceKey, cancellationToken);
        if (source is null)
        {
            return new VariantResult(false, "source no longer exists");
        }

        var sourceType = MediaTypes.ForExtension(Path.GetExtension(sourceKey).TrimStart('.'))!;
        var variantKey = VariantKeys.VariantKeyFor(sourceKey, claim.Target);
        var existing = await store.HeadAsync(_bucket, variantKey, cancellationToken);
        if (existing?.Headers is { } found && !VariantMetadata.IsVariant(found))
        {
            return new VariantResult(false, ForeignObject);
        }

        if (existing?.Headers is { } current && ETags.Same(current.Meta(VariantMetadata.SourceETag), source.ETag))
        {
            // Made from these very bytes: at most its headers are out of date, and a copy puts them right.
            if (ObjectHeaderRules.VariantDifference(current, claim.Target, sourceType, cachePolicy) is null)
            {
                return new VariantResult(false, "variant already current");
            }

            var copied = await store.ReplaceHeadersAsync(ObjectHeaderRules.FixedVariant(current, sourceType, cachePolicy), _bucket, variantKey, existing.ETag, cancellationToken);
            return new VariantResult(true, "variant headers put right", Written: copied);
        }

        if (source.Size > _variants.MaxInputBytes)
        {
            return await RejectedAsync(variantKey, source, "input too large", $"source is {source.Size} bytes; the limit is {_variants.MaxInputBytes}", cancellationToken);
        }

        var outcome = await claim.SharedAsync(source.ETag)
            ?? await claim.EncodeAsync(await ReadAsync(sourceKey, source.Size, cancellationToken), source.Headers?.ContentType, kind, source.ETag, cancellationToken);
        if (!outcome.ShouldWrite)
        {
            return await RejectedAsync(variantKey, source, $"rejected ({outcome.Metadata[VariantDecision.RejectionKey]})", outcome.Rejection!.Reason, cancellationToken);
        }

        var headers = ObjectHeaderRules.ForVariant(outcome, sourceType, source.ETag, cachePolicy);
        using var body = new MemoryStream(outcome.Body.ToArray(), writable: false);
        // Only over what the HEAD saw: a foreign object put there meanwhile is not overwritten (docs/keys.md).
        var written = await store.PutAsync(new ObjectWrite(_bucket, variantKey, headers, Condition: WriteCondition.Unchanged(existing)), body, cancellationToken);
        return new VariantResult(true, Describe(outcome, claim.Target, source.Size), Written: written with { Headers = written.Headers ?? headers });
    }

    /// <summary>A rejection of the image itself: recorded, so the job status can say why the variant is missing.</summary>
    private async Task<VariantResult> RejectedAsync(string variantKey, StoredObject source, string detail, string reason, CancellationToken cancellationToken)
    {
        await rejections.RecordAsync(variantKey, source.ETag, reason, clock.GetUtcNow(), cancellationToken);
        return new VariantResult(false, detail, reason, source.ETag);
    }

    private static string Describe(VariantOutcome outcome, VariantTarget target, long sourceSize) => outcome.Format switch
    {
        VariantFormat.Avif => $"wrote AVIF ({outcome.Body.Length} of {sourceSize} bytes)",
        VariantFormat.WebP when target == VariantTarget.Avif => $"wrote WebP at the AVIF key ({outcome.Body.Length} of {sourceSize} bytes): AVIF was not smaller, or not made ({outcome.Metadata.GetValueOrDefault(VariantDecision.AvifSkippedKey) ?? "larger"})",
        VariantFormat.WebP => $"wrote WebP ({outcome.Body.Length} of {sourceSize} bytes)",
        _ => $"wrote the original bytes at the {target.Name()} key: no variant was smaller",
    };

    private const string NotASource = "not a JPEG, PNG, GIF or AVIF key";

    /// <summary>What a result says when a foreign object holds the variant key.</summary>
    public const string ForeignObject = "left alone: the object at the variant key is not a variant (it records no source ETag)";

    /// <summary>
    /// Removes every variant of a deleted source, of every format (one turned off since is removed too), one result
    /// per key; an object there that is not one of ours stays (docs/keys.md).
    /// </summary>
    public async Task<IReadOnlyList<(VariantTarget Target, VariantResult Result)>> DeleteAllAsync(string sourceKey, CancellationToken cancellationToken)
    {
        var results = new List<(VariantTarget, VariantResult)>();
        foreach (var (variantKey, target) in VariantKeys.VariantsOf(sourceKey, VariantKeys.AllTargets))
        {
            results.Add((target, await DeleteAsync(variantKey, cancellationToken)));
        }

        return results;
    }

    private async Task<VariantResult> DeleteAsync(string variantKey, CancellationToken cancellationToken)
    {
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
