using System.Diagnostics;
using System.Globalization;
using MediaOffload.Core.Variants;
using MediaOffload.Imaging;

// Driver for run.sh. Each mode prints one tab-separated line per result so the script can build tables.
//   encode <file> [--repeat 5] [--quality 86] [--effort 4] [--png-mode lossy] [--concurrency 0] [--out f.webp]
//       [--formats webp|avif,webp] [--avif-quality Q] [--avif-effort E] [--avif-out f.avif]
//       file  width  height  median_ms  mp_per_s  bytes  rule  vmhwm_kib  median_cpu_ms  avif_bytes  avif_rule
//   throughput --workers N [--rounds 3] [--concurrency 1] files...
//       workers  encodes  megapixels  wall_s  mp_per_s
//   pngrule files...
//       file  source_bytes  lossless_bytes  lossy_bytes  lossy_saving_pct  auto_choice
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var positional = new List<string>();
var named = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal))
    {
        named[args[i][2..]] = args[++i];
    }
    else
    {
        positional.Add(args[i]);
    }
}

int Int(string name, int fallback) => named.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

LibvipsRuntime.EnsureInitialized(new ImagingOptions { Concurrency = Int("concurrency", 0) });
var options = new VariantOptions
{
    Quality = Int("quality", 86),
    Effort = Int("effort", 4),
    PngMode = Enum.Parse<WebPMode>(named.GetValueOrDefault("png-mode", "Lossy"), ignoreCase: true),
    GifMode = Enum.Parse<WebPMode>(named.GetValueOrDefault("gif-mode", "Lossless"), ignoreCase: true),
    Formats = named.GetValueOrDefault("formats", "webp"),
    AvifQuality = Int("avif-quality", new VariantOptions().AvifQuality),
    AvifEffort = Int("avif-effort", new VariantOptions().AvifEffort),
    AvifMaxPixels = Int("avif-max-pixels", int.MaxValue),
};

switch (args.ElementAtOrDefault(0))
{
    case "encode":
        Encode(positional[0], Int("repeat", 5), named.GetValueOrDefault("out"));
        break;
    case "throughput":
        Throughput(positional, Int("workers", 1), Int("rounds", 3));
        break;
    case "pngrule":
        PngRule(positional);
        break;
    default:
        Console.Error.WriteLine("usage: ImagingBench encode|throughput|pngrule ...");
        return 2;
}

return 0;

void Encode(string file, int repeat, string? output)
{
    var data = File.ReadAllBytes(file);
    var kind = KindOf(file);
    var encoder = new LibvipsVariantEncoder(options);
    var times = new List<double>();
    var cpuTimes = new List<double>();
    EncodedVariants? all = null;
    using var self = Process.GetCurrentProcess();
    for (var i = 0; i < repeat; i++)
    {
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        all = encoder.Encode(data, kind);
        times.Add(clock.Elapsed.TotalMilliseconds);
        self.Refresh();
        cpuTimes.Add((self.TotalProcessorTime - cpu).TotalMilliseconds);
    }

    var result = all!.WebP;
    if (output is not null)
    {
        File.WriteAllBytes(output, result.Bytes);
    }

    if (named.GetValueOrDefault("avif-out") is { } avifOutput && all.Avif is { } avif)
    {
        File.WriteAllBytes(avifOutput, avif.Bytes);
    }

    times.Sort();
    cpuTimes.Sort();
    var median = times[times.Count / 2];
    var megapixels = result.Width * (double)result.Height * result.Frames / 1e6;
    Console.WriteLine(string.Join('\t',
        Path.GetFileName(file), result.Width, result.Height, median.ToString("F1"),
        (megapixels / (median / 1000)).ToString("F1"), result.Bytes.Length, result.Rule, PeakRssKib(),
        cpuTimes[cpuTimes.Count / 2].ToString("F1"), all.Avif?.Bytes.Length.ToString(CultureInfo.InvariantCulture) ?? "-",
        all.Avif?.Rule ?? all.AvifSkipped ?? "-"));
}

void Throughput(List<string> files, int workers, int rounds)
{
    var inputs = files.Select(f => (Data: File.ReadAllBytes(f), Kind: KindOf(f))).ToArray();
    var encoder = new LibvipsVariantEncoder(options);
    foreach (var (data, kind) in inputs)
    {
        encoder.Encode(data, kind); // warm-up: JIT, libvips type init
    }

    var next = -1;
    double megapixels = 0;
    var total = inputs.Length * rounds;
    var clock = Stopwatch.StartNew();
    var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
    {
        double mine = 0;
        int i;
        while ((i = Interlocked.Increment(ref next)) < total)
        {
            var (data, kind) = inputs[i % inputs.Length];
            var r = encoder.Encode(data, kind).WebP;
            mine += r.Width * (double)r.Height * r.Frames / 1e6;
        }

        lock (inputs)
        {
            megapixels += mine;
        }
    })).ToList();
    threads.ForEach(t => t.Start());
    threads.ForEach(t => t.Join());
    var seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Join('\t', workers, total, megapixels.ToString("F1"), seconds.ToString("F2"), (megapixels / seconds).ToString("F1")));
}

void PngRule(List<string> files)
{
    var lossless = new LibvipsVariantEncoder(new VariantOptions { PngMode = WebPMode.Lossless, Effort = options.Effort });
    var lossy = new LibvipsVariantEncoder(new VariantOptions { PngMode = WebPMode.Lossy, Quality = options.Quality, Effort = options.Effort });
    foreach (var file in files)
    {
        var data = File.ReadAllBytes(file);
        var a = lossless.Encode(data, SourceImageKind.Png).WebP.Bytes.Length;
        var b = lossy.Encode(data, SourceImageKind.Png).WebP.Bytes.Length;
        var saving = 100.0 * (a - b) / a;
        var choice = WebPEncodingRule.PreferLossy(a, b, new VariantOptions()) ? "lossy" : "lossless";
        Console.WriteLine(string.Join('\t', Path.GetFileName(file), data.Length, a, b, saving.ToString("F0"), choice));
    }
}

static SourceImageKind KindOf(string file) =>
    VariantKeys.TryGetSourceKind(file, out var kind) ? kind : throw new ArgumentException($"not a jpg/png/gif: {file}");

static long PeakRssKib()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
