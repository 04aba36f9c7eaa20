using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Variants;
using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Tests.Reconcile;

/// <summary>Builds planner inputs: sources and listed objects that match them unless told otherwise.</summary>
internal static class PlannerFixture
{
    /// <summary>WebP variants only (<c>Variants:Formats</c> <c>webp</c>), which most planner tests are about.</summary>
    public static readonly PlannerOptions Options = new() { VariantFormats = new HashSet<VariantTarget> { VariantTarget.WebP } };

    /// <summary>The default: AVIF and WebP variants.</summary>
    public static readonly PlannerOptions BothFormats = new();
    public static readonly DateTimeOffset Modified = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    public static SourceEntry Source(string path, long size = 100, string? md5 = null) =>
        new(path, size, md5 ?? Md5Of(path), Modified);

    public static string Md5Of(string path) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(path)));

    /// <summary>An object in sync with <paramref name="source"/>, with audited headers.</summary>
    public static StoredObject ObjectFor(SourceEntry source, bool audited = true)
    {
        var type = MediaTypes.ForExtension(Path.GetExtension(source.Path).TrimStart('.'))!;
        return new StoredObject("b", Options.KeyFor(source.Path), source.Size, $"\"{source.Md5}\"", Modified.AddMinutes(1),
            audited ? ObjectHeaderRules.ForSource(type, Options.Policy, source) : null);
    }

    /// <summary>A <paramref name="target"/> variant of <paramref name="source"/> recording <paramref name="sourceETag"/>.</summary>
    public static StoredObject VariantFor(SourceEntry source, string? sourceETag = null, bool audited = true, VariantTarget target = VariantTarget.WebP) =>
        new("b", Options.KeyFor(source.Path) + target.Suffix(), 10, "\"v\"", Modified.AddMinutes(2),
            audited ? new ObjectHeaders(target.ContentType(), CachePolicy.LongLived, new Dictionary<string, string> { [VariantMetadata.SourceETag] = sourceETag ?? source.Md5!, [MediaMetadata.CachePolicy] = Options.Policy.Version }) : null);

    public static async Task<List<PlanItem>> PlanAsync(IEnumerable<SourceEntry> sources, IEnumerable<StoredObject> objects, PlannerOptions? options = null) =>
        await PlanAsync(new ReconcilePlanner(options ?? Options), sources, objects);

    public static async Task<List<PlanItem>> PlanAsync(ReconcilePlanner planner, IEnumerable<SourceEntry> sources, IEnumerable<StoredObject> objects)
    {
        var items = new List<PlanItem>();
        var o = planner.Options;
        await foreach (var item in planner.PlanAsync(
            sources.OrderBy(s => o.KeyFor(s.Path), KeyOrder.Utf8).ToAsyncEnumerable(),
            objects.OrderBy(x => x.Key, KeyOrder.Utf8).ToAsyncEnumerable()))
        {
            items.Add(item);
        }

        return items;
    }
}
