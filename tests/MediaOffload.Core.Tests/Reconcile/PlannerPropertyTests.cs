using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using static MediaOffload.Core.Tests.Reconcile.PlannerFixture;

namespace MediaOffload.Core.Tests.Reconcile;

/// <summary>Seeded random libraries and buckets: properties that must hold for any input.</summary>
public class PlannerPropertyTests
{
    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Plan_RandomInputs_IsDeterministicSortedAndCoversEveryKeyOnce(int seed)
    {
        var (sources, objects) = RandomWorld(seed);
        var first = await PlanAsync(sources, objects);
        var second = await PlanAsync(sources.AsEnumerable().Reverse(), objects.AsEnumerable().Reverse());

        // ObjectHeaders holds a dictionary, so records compare by reference there; compare what a plan says.
        Assert.Equal(first.Select(Describe), second.Select(Describe));
        Assert.Equal(first.Select(i => i.Key).Order(KeyOrder.Utf8), first.Select(i => i.Key));
        Assert.Equal(first.Count, first.Select(i => i.Key).Distinct().Count());
        foreach (var o in objects)
        {
            Assert.Contains(first, i => i.Key == o.Key);
        }

        foreach (var s in sources)
        {
            Assert.Contains(first, i => i.Key == Options.KeyFor(s.Path));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Plan_AfterApplyingThePlan_ReportsNoDrift(int seed)
    {
        var (sources, objects) = RandomWorld(seed);
        var plan = await PlanAsync(sources, objects, BothFormats);
        var bucket = objects.ToDictionary(o => o.Key);
        foreach (var item in plan)
        {
            switch (item.Action)
            {
                case PlanAction.Upload or PlanAction.Replace:
                    bucket[item.Key] = new StoredObject("b", item.Key, item.Source!.Size, $"\"{item.Source.Md5}\"", Modified, item.Headers);
                    break;
                case PlanAction.FixHeaders:
                    bucket[item.Key] = bucket[item.Key] with { Headers = item.Headers };
                    break;
                case PlanAction.DeleteOrphan:
                    bucket.Remove(item.Key);
                    break;
            }
        }

        foreach (var item in plan.Where(i => i.Action == PlanAction.GenerateVariant))
        {
            VariantKeys.TryParseVariant(item.Key, out _, out var target);
            bucket[item.Key] = VariantFor(item.Source!, bucket[item.SourceKey!].ETag, target: target);
        }

        var again = await PlanAsync(sources, bucket.Values, BothFormats);
        Assert.All(again, i => Assert.Equal(PlanAction.Skip, i.Action));
    }

    [Fact]
    public async Task Plan_MillionEntries_StreamsWithoutHoldingThem()
    {
        static async IAsyncEnumerable<SourceEntry> Sources()
        {
            for (var i = 0; i < 200_000; i++)
            {
                yield return new SourceEntry($"{i:D7}.pdf", 1, "0123456789abcdef0123456789abcdef", Modified);
            }

            await Task.CompletedTask;
        }

        long count = 0;
        var before = GC.GetTotalMemory(true);
        await foreach (var _ in new ReconcilePlanner().PlanAsync(Sources(), AsyncEnumerable.Empty<StoredObject>()))
        {
            count++;
        }

        Assert.Equal(200_000, count);
        Assert.True(GC.GetTotalMemory(true) - before < 16_000_000);
    }

    private static string Describe(PlanItem i) =>
        $"{i.Action}|{i.Key}|{i.Reason}|{i.SourceKey}|{i.SourceETag}|{i.Headers?.ContentType}|{i.Headers?.CacheControl}";

    private static (List<SourceEntry> Sources, List<StoredObject> Objects) RandomWorld(int seed)
    {
        var random = new Random(seed);
        var names = new[] { "a", "a b", "a+b", "a%20b", "é", "中文", "😀", "a-b", "a.b" };
        var exts = new[] { "jpg", "png", "pdf", "mp4", "php" };
        var sources = new Dictionary<string, SourceEntry>();
        var objects = new Dictionary<string, StoredObject>();
        for (var i = 0; i < 60; i++)
        {
            var path = $"{2020 + random.Next(3)}/{names[random.Next(names.Length)]}{random.Next(5)}.{exts[random.Next(exts.Length)]}";
            var source = path.EndsWith(".php") ? SourceEntry.Rejected(path, "type .php may not be offloaded") : Source(path, random.Next(1, 4));
            sources[path] = source;
            if (source.Rejection is not null)
            {
                continue;
            }

            var obj = ObjectFor(source);
            switch (random.Next(6))
            {
                case 0: break;
                case 1: objects[obj.Key] = obj with { Size = 9 }; break;
                case 2: objects[obj.Key] = obj with { Headers = obj.Headers! with { CacheControl = "no-cache" } }; break;
                default: objects[obj.Key] = obj; break;
            }

            if (path.EndsWith(".jpg") && random.Next(2) == 0)
            {
                objects[obj.Key + ".webp"] = VariantFor(source, random.Next(2) == 0 ? null : "old");
            }

            if (path.EndsWith(".jpg") && random.Next(3) == 0)
            {
                objects[obj.Key + ".avif"] = VariantFor(source, random.Next(2) == 0 ? null : "old", target: VariantTarget.Avif);
            }
        }

        for (var i = 0; i < 10; i++)
        {
            var key = $"wp-content/uploads/orphan/{names[random.Next(names.Length)]}{i}.jpg";
            objects[key] = new StoredObject("b", key, 1, "\"x\"", Modified);
        }

        return ([.. sources.Values], [.. objects.Values]);
    }
}
