using System.Diagnostics;
using MediaOffload.Core.Media;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;

// Plans N synthetic library entries against a bucket listing holding each source (audited, in sync) plus its
// variants (.avif and .webp) for every image, with a sprinkle of drift; both inputs are generated lazily in key order, the way a
// directory walk and a paged listing arrive.
var count = args.Length > 0 ? int.Parse(args[0]) : 1_000_000;
var options = new PlannerOptions();
var policy = options.Policy;
var modified = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
string PathOf(int i) => $"{2010 + i / 100_000:D4}/{i / 10_000 % 10:D2}/img-{i:D7}.{(i % 4 == 0 ? "pdf" : "jpg")}";
string Md5Of(int i) => i.ToString("x32");

async IAsyncEnumerable<SourceEntry> Sources()
{
    for (var i = 0; i < count; i++)
    {
        yield return new SourceEntry(PathOf(i), 1000 + i % 500, Md5Of(i), modified);
    }

    await Task.CompletedTask;
}

async IAsyncEnumerable<StoredObject> Bucket()
{
    for (var i = 0; i < count; i++)
    {
        var path = PathOf(i);
        var source = new SourceEntry(path, 1000 + i % 500, Md5Of(i), modified);
        var key = options.KeyFor(path);
        var headers = ObjectHeaderRules.ForSource(MediaTypes.ForExtension(path[^3..])!, policy, source);
        if (i % 100 == 7)
        {
            headers = headers with { CacheControl = "max-age=300" };
        }

        yield return new StoredObject("b", key, source.Size, $"\"{source.Md5}\"", modified, headers);
        if (path.EndsWith(".jpg") && i % 50 != 3)
        {
            // Both variant keys, in key order (.avif before .webp), with what ObjectHeaderRules.ForVariant writes, so
            // only the sprinkled drift is planned, not every variant.
            foreach (var (variantKey, target) in VariantKeys.VariantsOf(key, options.VariantFormats))
            {
                yield return new StoredObject("b", variantKey, 10, "\"w\"", modified,
                    new ObjectHeaders(target.ContentType(), policy.For(MediaTypes.ForExtension("jpg")!), new Dictionary<string, string>
                    {
                        [VariantMetadata.SourceETag] = source.Md5!,
                        [MediaMetadata.CachePolicy] = policy.Version,
                    }));
            }
        }
    }

    await Task.CompletedTask;
}

if (args.Contains("--inputs-only"))
{
    var c = Stopwatch.StartNew();
    long n = 0;
    await foreach (var _ in Sources()) { n++; }
    await foreach (var _ in Bucket()) { n++; }
    Console.WriteLine($"inputs only: {n} entries in {c.Elapsed.TotalSeconds:F2} s");
    return;
}

var clock = Stopwatch.StartNew();
var tally = new PlanTally();
await foreach (var item in new ReconcilePlanner(options).PlanAsync(Sources(), Bucket()))
{
    tally.Add(item);
}

clock.Stop();
Console.WriteLine($"entries={count} objects={tally.ObjectsListed} seconds={clock.Elapsed.TotalSeconds:F2} " +
    string.Join(' ', tally.ToDictionary().Select(e => $"{e.Key}={e.Value}")));
