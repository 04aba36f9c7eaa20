using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Reconcile;

/// <summary>
/// Compares a sorted source listing with a sorted bucket listing in one streaming merge and yields a plan in key
/// order. Memory stays flat whatever the library size: only the current entry of each input and the variants
/// still ahead of the merge are held. The same inputs always give the same plan.
/// </summary>
public sealed class ReconcilePlanner(PlannerOptions? options = null)
{
    private readonly PlannerOptions _options = options ?? new PlannerOptions();
    private PriorityQueue<PendingVariant, string>? _pending;

    /// <summary>The options in use.</summary>
    public PlannerOptions Options => _options;

    /// <summary>
    /// The variants still ahead of the merge, whose sources it has passed: with the key of the last item taken, all a
    /// run needs to resume where it stopped without reading the inputs from the start (<see cref="PlanResume"/>).
    /// Read it between items, from the consumer of <see cref="PlanAsync"/>.
    /// </summary>
    public IReadOnlyList<PendingVariant> Pending => _pending is null ? [] : [.. _pending.UnorderedItems.Select(e => e.Element).OrderBy(v => v.Key, KeyOrder.Utf8)];

    /// <summary>
    /// Plans the inputs. Both must be in <see cref="KeyOrder.Utf8"/> order of their keys, which is how S3 lists;
    /// sources are keyed with <see cref="PlannerOptions.KeyFor"/>.
    /// </summary>
    /// <param name="sources">The library, sorted by key.</param>
    /// <param name="bucket">The bucket under <see cref="PlannerOptions.ListPrefix"/>, sorted; objects with <see cref="StoredObject.Headers"/> are also audited.</param>
    /// <param name="cancellationToken">Stops the merge.</param>
    /// <exception cref="InvalidOperationException">An input is out of order or repeats a key.</exception>
    public async IAsyncEnumerable<PlanItem> PlanAsync(
        IAsyncEnumerable<SourceEntry> sources,
        IAsyncEnumerable<StoredObject> bucket,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var s = sources.GetAsyncEnumerator(cancellationToken);
        await using var b = bucket.GetAsyncEnumerator(cancellationToken);
        var pending = _pending = new PriorityQueue<PendingVariant, string>(KeyOrder.Utf8);
        var resume = _options.Resume;
        foreach (var restored in resume?.Pending ?? [])
        {
            pending.Enqueue(restored, restored.Key);
        }

        // A resumed run skips everything at or before its checkpoint: those items are done, and the variants they
        // left open come back from the checkpoint instead of from reading their sources again.
        var (source, sourceKey) = await FirstSourceAsync(s, resume?.After);
        var obj = await FirstObjectAsync(b, resume?.After);
        string? reservedKey = null;

        while (true)
        {
            var key = Min(Min(sourceKey, obj?.Key), pending.TryPeek(out _, out var pendingKey) ? pendingKey : null);
            if (key is null)
            {
                yield break;
            }

            var here = obj is not null && obj.Key == key ? obj : null;
            PlanItem item;
            if (sourceKey == key && VariantKeys.IsReservedName(key, out var variantOf))
            {
                // A file named like a variant (victim.jpg.webp): skipped, and the key stays the variant's. The
                // object there, if any, is planned next as that variant, or left alone (docs/keys.md).
                reservedKey = key;
                item = new PlanItem(PlanAction.Skip, key, $"not offloaded: the name is reserved for a variant of '{variantOf}' (docs/keys.md)", source) { Reported = true };
                (source, sourceKey) = await NextSourceAsync(s, sourceKey!);
                Emit(item, out var reserved);
                if (reserved is not null)
                {
                    yield return reserved;
                }

                continue;
            }

            var variant = pendingKey == key ? pending.Dequeue() : null;
            if (sourceKey == key)
            {
                item = PlanSource(source!, key, here);
                if (NeedsVariant(source!, item))
                {
                    var etag = item.Action is PlanAction.Upload or PlanAction.Replace ? null : here!.ETag;
                    foreach (var (variantKey, _) in VariantKeys.VariantsOf(key, _options.VariantFormats))
                    {
                        pending.Enqueue(new PendingVariant(variantKey, key, source!, etag, here?.LastModified, item.Action), variantKey);
                    }
                }
                else if (item.Action == PlanAction.Skip && item.Reported && here is not null)
                {
                    // The object stays, and so do its variants: they are no orphans while their source is there.
                    foreach (var (variantKey, _) in VariantKeys.VariantsOf(key, _options.VariantFormats))
                    {
                        pending.Enqueue(new PendingVariant(variantKey, key, source!, here.ETag, here.LastModified, item.Action, Held: true), variantKey);
                    }
                }

                (source, sourceKey) = await NextSourceAsync(s, sourceKey!);
            }
            else if (variant is not null)
            {
                item = PlanVariant(variant, here) with { Variant = variant };
            }
            else
            {
                item = PlanOrphan(here!, held: reservedKey == key);
            }

            if (here is not null)
            {
                obj = await NextObjectAsync(b, here.Key);
            }

            Emit(item, out var emitted);
            if (emitted is not null)
            {
                yield return emitted;
            }
        }
    }

    private void Emit(PlanItem item, out PlanItem? emitted) =>
        emitted = _options.Resume?.After is { } after && !KeyOrder.Before(after, item.Key) ? null : item;

    private PlanItem PlanSource(SourceEntry source, string key, StoredObject? obj)
    {
        if (source.HoldsKey)
        {
            return new PlanItem(PlanAction.Skip, key, $"not offloaded: {source.Rejection}", source, obj) { Reported = true };
        }

        var type = source.Rejection is null ? MediaTypes.ForExtension(Extension(source.Path)) : null;
        if (type is null || source.Md5 is null)
        {
            var why = source.Rejection ?? (source.Md5 is null ? "no MD5 for the file" : "type may not be offloaded");
            return obj is null
                ? new PlanItem(PlanAction.Skip, key, $"not offloadable: {why}", source) { Reported = true }
                : new PlanItem(PlanAction.DeleteOrphan, key, $"source is not offloadable: {why}", source, obj);
        }

        var expected = ObjectHeaderRules.ForSource(type, _options.Policy, source);
        if (obj is null)
        {
            return source.RemoteOnly
                ? new PlanItem(PlanAction.Skip, key, $"remote-only file has no object: WordPress holds no copy to upload; recover it from an earlier version of the key (docs/remote-only.md)", source) { Reported = true }
                : new PlanItem(PlanAction.Upload, key, "not in bucket", source, null, expected);
        }

        if (!_options.SourceOwnsKeys && obj.Headers is { } audited && source.Owner?.WriteConflict(KeyOwner.Of(audited)) is { } conflict)
        {
            // A local folder is no record of owners: the object stays as it is, and so does the file (docs/keys.md).
            return new PlanItem(PlanAction.Skip, key, $"not offloaded, object left alone: {conflict}", source, obj) { Reported = true };
        }

        if (obj.Size == source.Size && ETags.IsMultipart(obj.ETag) && obj.Headers is null)
        {
            return new PlanItem(PlanAction.Skip, key, "size matches; multipart object not audited, MD5 unknown", source, obj);
        }

        if (ContentDifference(source, obj) is { } content)
        {
            return source.RemoteOnly
                ? new PlanItem(PlanAction.Skip, key, $"remote-only file differs from its object ({content}): WordPress holds no copy to upload; the object is left alone (docs/remote-only.md)", source, obj) { Reported = true }
                : new PlanItem(PlanAction.Replace, key, content, source, obj, expected);
        }

        if (obj.Headers is null)
        {
            return new PlanItem(PlanAction.Skip, key, "in sync (headers not audited)", source, obj);
        }

        return ObjectHeaderRules.OriginalDifference(expected, obj.Headers) is { } difference
            ? new PlanItem(PlanAction.FixHeaders, key, difference, source, obj, expected)
            : new PlanItem(PlanAction.Skip, key, "in sync", source, obj);
    }

    /// <summary>Null when the object holds the source's bytes as far as S3 vouches, else how they differ.</summary>
    private static string? ContentDifference(SourceEntry source, StoredObject obj)
    {
        if (obj.Size != source.Size)
        {
            return $"size differs: source {source.Size} B, object {obj.Size} B";
        }

        // A multipart ETag is not an MD5; only the MD5 the uploader recorded can vouch for the bytes.
        return ETags.ContentMd5(obj) switch
        {
            null => "multipart object records no source-md5",
            var md5 when !string.Equals(md5, source.Md5, StringComparison.OrdinalIgnoreCase) => ETags.IsMultipart(obj.ETag) ? "MD5 differs from recorded source-md5" : "MD5 differs from ETag",
            _ => null,
        };
    }

    private static bool NeedsVariant(SourceEntry source, PlanItem item) =>
        item.Action is PlanAction.Upload or PlanAction.Replace or PlanAction.FixHeaders or PlanAction.Skip
        && source.Rejection is null && source.Md5 is not null
        && (item.Action != PlanAction.Skip || item.Object is not null);

    private PlanItem PlanVariant(PendingVariant v, StoredObject? obj)
    {
        PlanItem Generate(string reason) => new(PlanAction.GenerateVariant, v.Key, reason, v.Source, obj, null, v.SourceKey, v.SourceETag);

        if (v.Held)
        {
            return new PlanItem(PlanAction.Skip, v.Key, "left alone with its source, which is not this run's to write", v.Source, obj, null, v.SourceKey, v.SourceETag);
        }

        if (obj?.Headers is { } audited && !VariantMetadata.IsVariant(audited))
        {
            // Another tool's file at the variant key: never overwritten, adopted or deleted as a variant (docs/keys.md).
            return new PlanItem(PlanAction.Skip, v.Key, "left alone: the object at the variant key is not a variant (it records no source ETag)", v.Source, obj) { Reported = true };
        }

        if (v.SourceETag is null)
        {
            return Generate(v.SourceAction == PlanAction.Upload ? "source is being uploaded" : "source is being replaced");
        }

        if (obj is null)
        {
            return Generate("variant missing");
        }

        if (obj.Headers is null)
        {
            // Unaudited: a variant written before its source's current version must be older than it.
            return v.SourceModified is { } sourceTime && obj.LastModified < sourceTime
                ? Generate("variant is older than its source")
                : new PlanItem(PlanAction.Skip, v.Key, "variant present (not audited)", v.Source, obj, null, v.SourceKey, v.SourceETag);
        }

        var recorded = obj.Headers.Meta(VariantMetadata.SourceETag)!;
        if (!ETags.Same(recorded, v.SourceETag))
        {
            return Generate($"variant is stale: made from ETag {ETags.Normalize(recorded)}, source is {ETags.Normalize(v.SourceETag)}");
        }

        // The bytes are the right ones; headers written under another policy are put right by a copy, not an encode.
        var sourceType = MediaTypes.ForExtension(Extension(v.SourceKey))!;
        VariantKeys.TryParseVariant(v.Key, out _, out var target);
        return ObjectHeaderRules.VariantDifference(obj.Headers, target, sourceType, _options.Policy) is { } difference
            ? new PlanItem(PlanAction.FixHeaders, v.Key, difference, v.Source, obj, ObjectHeaderRules.FixedVariant(obj.Headers, sourceType, _options.Policy), v.SourceKey, v.SourceETag)
            : new PlanItem(PlanAction.Skip, v.Key, "variant in sync", v.Source, obj, null, v.SourceKey, v.SourceETag);
    }

    /// <param name="held">A file of the library carries the key's name but may not claim it (a reserved name).</param>
    private PlanItem PlanOrphan(StoredObject obj, bool held)
    {
        var isVariant = VariantKeys.TryParseVariant(obj.Key, out _, out var target) && (obj.Headers is null || VariantMetadata.IsVariant(obj.Headers));
        if (held && !isVariant)
        {
            return new PlanItem(PlanAction.Skip, obj.Key, "left alone: a library file of this name exists, though its name is reserved", null, obj) { Reported = true };
        }

        var reason = !isVariant ? "no source file"
            : _options.VariantFormats.Contains(target) ? "variant whose source is gone"
            : $"variant whose source is gone, or whose format ({target.Name()}) is turned off";
        return new PlanItem(PlanAction.DeleteOrphan, obj.Key, reason, null, obj);
    }

    private async ValueTask<(SourceEntry?, string?)> FirstSourceAsync(IAsyncEnumerator<SourceEntry> s, string? after)
    {
        while (await s.MoveNextAsync())
        {
            var key = _options.KeyFor(s.Current.Path);
            if (after is null || KeyOrder.Before(after, key))
            {
                return (s.Current, key);
            }
        }

        return (null, null);
    }

    private static async ValueTask<StoredObject?> FirstObjectAsync(IAsyncEnumerator<StoredObject> b, string? after)
    {
        while (await b.MoveNextAsync())
        {
            if (after is null || KeyOrder.Before(after, b.Current.Key))
            {
                return b.Current;
            }
        }

        return null;
    }

    private async ValueTask<(SourceEntry?, string?)> NextSourceAsync(IAsyncEnumerator<SourceEntry> s, string previous)
    {
        if (!await s.MoveNextAsync())
        {
            return (null, null);
        }

        var key = _options.KeyFor(s.Current.Path);
        if (!KeyOrder.Before(previous, key))
        {
            throw new InvalidOperationException($"Source listing is not in UTF-8 key order: '{key}' came after '{previous}'.");
        }

        return (s.Current, key);
    }

    private static async ValueTask<StoredObject?> NextObjectAsync(IAsyncEnumerator<StoredObject> b, string previous)
    {
        if (!await b.MoveNextAsync())
        {
            return null;
        }

        if (!KeyOrder.Before(previous, b.Current.Key))
        {
            throw new InvalidOperationException($"Bucket listing is not in UTF-8 key order: '{b.Current.Key}' came after '{previous}'.");
        }

        return b.Current;
    }

    private static string? Min(string? a, string? b) => a is null ? b : b is null ? a : KeyOrder.Before(b, a) ? b : a;

    private static string Extension(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var dot = name.LastIndexOf('.');
        return dot <= 0 ? string.Empty : name[(dot + 1)..];
    }

}

/// <summary>A variant the merge expects further on, for a source it has already passed.</summary>
/// <param name="Key">The variant's key.</param>
/// <param name="SourceKey">Its source's key.</param>
/// <param name="Source">The source file.</param>
/// <param name="SourceETag">The source object's ETag, or null when the plan (re)uploads it.</param>
/// <param name="SourceModified">The source object's LastModified, for unaudited variants.</param>
/// <param name="SourceAction">What the plan does with the source.</param>
/// <param name="Held">Its source was left alone (contested, or another owner's): so is the variant.</param>
// PascalCase on purpose: these fields were written before camelCase became the default, and checkpoints in flight
// must still read (names are matched case-sensitively).
public sealed record PendingVariant(
    [property: JsonPropertyName("Key")] string Key,
    [property: JsonPropertyName("SourceKey")] string SourceKey,
    [property: JsonPropertyName("Source")] SourceEntry Source,
    [property: JsonPropertyName("SourceETag")] string? SourceETag,
    [property: JsonPropertyName("SourceModified")] DateTimeOffset? SourceModified,
    [property: JsonPropertyName("SourceAction")] PlanAction SourceAction,
    [property: JsonPropertyName("Held")] bool Held = false);
