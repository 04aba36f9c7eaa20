using System.Diagnostics;
using System.Globalization;
using MediaOffload.Core.Variants;
using MediaOffload.Imaging;

// Encode memory harness: how many bytes one LibvipsVariantEncoder.Encode needs on top of what the process
// already holds (runtime, libvips, the source bytes), per kind, mode and size. Run by memory.sh.
//
//   run   [--work DIR] [--keep] [--quick] [--only SUBSTRING] [--no-threads-check] [--tsv FILE]
//         Generates the corpus with the vips CLI in DIR (default $TMPDIR/mediaoffload-membench-PID),
//         runs every case in its own child process, one at a time, deletes each image once its cases
//         are done (--keep: keeps DIR and the images), and prints markdown tables (cases, fits, threads
//         check) on stdout.
//   child --file F --kind jpeg|png|gif [--mode lossless|lossy|auto] [--max-input-bytes N] [--warmup W]
//         One encode with default VariantOptions (except the given mode / input limit); prints one
//         RESULT line (see ChildResult.Parse).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var named = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal))
    {
        Console.Error.WriteLine($"unexpected argument {args[i]}");
        return 2;
    }

    var isFlag = i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal);
    named[args[i][2..]] = isFlag ? "true" : args[++i];
}

return args.ElementAtOrDefault(0) switch
{
    "child" => Child.Run(named),
    "run" => Driver.Run(named),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MemoryBench run [--work DIR] [--keep] [--quick] [--only S] [--no-threads-check] [--tsv F]");
    Console.Error.WriteLine("       MemoryBench child --file F --kind jpeg|png|gif [--mode M] [--max-input-bytes N] [--warmup W]");
    return 2;
}

/// <summary>The child: one encode in a fresh process, measured against the RSS just before it.</summary>
internal static class Child
{
    public static int Run(Dictionary<string, string> named)
    {
        var file = named["file"];
        var kind = Enum.Parse<SourceImageKind>(named["kind"], ignoreCase: true);
        // --formats avif,webp measures both encodes from one decode; the default stays WebP alone, as before AVIF.
        var options = new VariantOptions { Formats = named.GetValueOrDefault("formats", "webp"), AvifMaxPixels = long.MaxValue };
        if (named.TryGetValue("mode", out var mode))
        {
            var m = Enum.Parse<WebPMode>(mode, ignoreCase: true);
            options.PngMode = m;
            options.GifMode = m;
        }

        if (named.TryGetValue("max-input-bytes", out var max))
        {
            options.MaxInputBytes = long.Parse(max, CultureInfo.InvariantCulture);
        }

        // Default ImagingOptions: concurrency 0 leaves libvips' default (VIPS_CONCURRENCY, else the CPU count).
        LibvipsRuntime.EnsureInitialized(new ImagingOptions());
        var encoder = new LibvipsVariantEncoder(options);

        // A tiny encode of the same kind and mode first: JIT, libvips type and thread-pool start-up and
        // libwebp's tables then belong to the baseline, as in a service that has encoded before.
        if (named.TryGetValue("warmup", out var warmup))
        {
            encoder.Encode(File.ReadAllBytes(warmup), kind);
        }

        var data = File.ReadAllBytes(file);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        var trackedBefore = Native.TrackedGetMemHighwater();
        var baseline = ProcStatusKib("VmRSS");

        // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux >= 4.0), so the warm-up and
        // File.ReadAllBytes cannot be the peak. If it fails, VmHWM is still >= the encode's peak.
        var reset = TryResetPeak();
        var hwmAtStart = ProcStatusKib("VmHWM");

        string status = "ok", rule = "", dims = "";
        long outputBytes = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            var variant = encoder.Encode(data, kind);
            rule = variant.Avif is null ? variant.WebP.Rule : variant.WebP.Rule + "+" + variant.Avif.Rule;
            outputBytes = variant.WebP.Bytes.Length + (variant.Avif?.Bytes.Length ?? 0);
            dims = $"{variant.WebP.Width}x{variant.WebP.Height}x{variant.WebP.Frames}";
            GC.KeepAlive(variant);
        }
        catch (ImageRejectedException ex)
        {
            status = "rejected:" + ex.Code;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var hwm = ProcStatusKib("VmHWM");
        var tracked = Native.TrackedGetMemHighwater();
        GC.KeepAlive(data);

        Console.WriteLine(string.Join('\t',
            "RESULT", status, data.Length, baseline, hwmAtStart, hwm, Math.Max(0, hwm - baseline),
            reset ? 1 : 0, trackedBefore, tracked, Native.ConcurrencyGet(), seconds.ToString("F2"),
            outputBytes, rule.Length == 0 ? "-" : rule, dims.Length == 0 ? "-" : dims));
        return 0;
    }

    private static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static long ProcStatusKib(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}

/// <summary>What a child printed.</summary>
internal sealed record ChildResult(
    string Status, long InputBytes, long BaselineKib, long HwmAtStartKib, long HwmKib, long ExtraKib, bool Reset,
    long TrackedBefore, long TrackedHighwater, int Threads, double Seconds, long OutputBytes, string Rule, string Dims)
{
    /// <summary>Largest total size of libvips temp files the child had open, seen by the driver.</summary>
    public long TempFileBytes { get; init; }

    public long ExtraBytes => ExtraKib * 1024;

    public static ChildResult Parse(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 15 || f[0] != "RESULT")
        {
            throw new FormatException($"bad child output: {line}");
        }

        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return new ChildResult(f[1], L(2), L(3), L(4), L(5), L(6), f[7] == "1", L(8), L(9), (int)L(10),
            double.Parse(f[11], CultureInfo.InvariantCulture), L(12), f[13], f[14]);
    }
}

/// <summary>One source image and how to make it.</summary>
internal sealed record Source(string Name, SourceImageKind Kind, string Content, int Width, int Height, int Frames, int Orientation)
{
    public long Pixels => (long)Width * Height * Frames;

    public long FramePixels => (long)Width * Height;

    public double Megapixels => Pixels / 1e6;

    public string Size => Frames > 1 ? $"{Width}x{Height}x{Frames}" : $"{Width}x{Height}";
}

/// <summary>One measurement: a source, a mode (null = the kind's default) and whether to run it past the input limit.</summary>
internal sealed record Case(Source Source, WebPMode? Mode, bool OverLimit, bool ThreadsCheck, string? Env = null)
{
    /// <summary>The content label, with the extra environment variable if the case sets one.</summary>
    public string Content => Env is null ? Source.Content : $"{Source.Content} ({Env})";

    public string ModeName => Mode?.ToString().ToLowerInvariant() ?? (Source.Kind switch
    {
        SourceImageKind.Jpeg => "lossy",
        SourceImageKind.Png => "auto",
        _ => "lossless",
    });

    public string Group => $"{Source.Kind.ToString().ToLowerInvariant()}\t{ModeName}\t{Content}";
}

/// <summary>A measured case; <paramref name="OneThread"/> = run with VIPS_CONCURRENCY=1.</summary>
internal sealed record Row(Case Case, ChildResult Result, bool LimitRaised, bool OneThread);

internal static class Driver
{
    private static readonly long DefaultMaxInputBytes = new VariantOptions().MaxInputBytes;

    public static int Run(Dictionary<string, string> named)
    {
        var quick = named.ContainsKey("quick");
        var threadsCheck = !named.ContainsKey("no-threads-check");
        var keep = named.ContainsKey("keep");
        var only = named.GetValueOrDefault("only");
        var work = named.GetValueOrDefault("work")
            ?? Path.Combine(Path.GetTempPath(), $"mediaoffload-membench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var clock = Stopwatch.StartNew();

        // The driver only uses libvips to edit the generated .v files (vipsload is on the untrusted list);
        // the children run with the production defaults.
        LibvipsRuntime.EnsureInitialized(new ImagingOptions { BlockUntrustedLoaders = false });
        var gen = new Generator(work);
        var cases = Plan(quick, threadsCheck)
            .Where(c => only is null || c.Group.Replace('\t', '/').Contains(only, StringComparison.OrdinalIgnoreCase)
                || c.Source.Name.Contains(only, StringComparison.OrdinalIgnoreCase))
            .ToList();
        Console.Error.WriteLine($"{cases.Count} cases, {cases.Count(c => c.ThreadsCheck)} also with VIPS_CONCURRENCY=1; work dir {work}");

        var rows = new List<Row>();
        var generateSeconds = 0.0;
        try
        {
            // Sources in plan order; each is generated, measured in every case that uses it, then deleted.
            foreach (var bySource in cases.GroupBy(c => c.Source))
            {
                var source = bySource.Key;
                var g = Stopwatch.StartNew();
                var path = gen.Make(source);
                var warmup = gen.Make(gen.WarmupFor(source));
                generateSeconds += g.Elapsed.TotalSeconds;
                var header = Generator.Header(path, source.Kind);
                if (header != (source.Width, source.Height * source.Frames, source.Orientation))
                {
                    throw new InvalidOperationException($"{path}: header {header} does not match {source}");
                }

                var length = new FileInfo(path).Length;
                var overLimit = length > DefaultMaxInputBytes;
                var rejectedRecorded = false;
                foreach (var c in bySource)
                {
                    if (overLimit && !rejectedRecorded)
                    {
                        // What production does with this file: refused before decoding.
                        rows.Add(Measure(new Case(source, null, false, false), path, warmup, null, oneThread: false));
                        rejectedRecorded = true;
                    }

                    if (overLimit && !c.OverLimit)
                    {
                        continue;
                    }

                    long? limit = overLimit ? RoundUp(length, 1 << 20) : null;
                    rows.Add(Measure(c, path, warmup, limit, oneThread: false));
                    if (c.ThreadsCheck)
                    {
                        rows.Add(Measure(c, path, warmup, limit, oneThread: true));
                    }
                }

                if (!keep)
                {
                    File.Delete(path);
                }
            }
        }
        finally
        {
            if (!keep)
            {
                Directory.Delete(work, recursive: true);
            }
        }

        var tsv = named.GetValueOrDefault("tsv");
        if (tsv is not null)
        {
            File.WriteAllLines(tsv, rows.Select(r => string.Join('\t', r.Case.Group, r.Case.Source.Name, r.Case.Source.Size,
                r.Case.Source.Pixels, r.Case.Source.Orientation, r.LimitRaised ? 1 : 0, r.OneThread ? 1 : 0,
                r.Result.Status, r.Result.InputBytes, r.Result.BaselineKib, r.Result.HwmKib, r.Result.ExtraKib,
                r.Result.TrackedHighwater, r.Result.Threads, r.Result.Seconds, r.Result.OutputBytes, r.Result.Rule, r.Result.TempFileBytes)));
        }

        Report.Print(rows, generateSeconds, clock.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>Total size of the libvips temp files process <paramref name="pid"/> has open (they are unlinked, so only /proc/PID/fd finds them).</summary>
    private static long VipsTempFileBytes(int pid)
    {
        long total = 0;
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.Contains("/vips-", StringComparison.Ordinal) && target.Contains(".v", StringComparison.Ordinal))
                {
                    using var handle = File.OpenHandle(fd, FileMode.Open, FileAccess.Read);
                    total += RandomAccess.GetLength(handle);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The descriptor closed, or the child exited, while we looked.
        }

        return total;
    }

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;

    private static IEnumerable<Case> Plan(bool quick, bool threadsCheck)
    {
        int[] squares = quick ? [1000, 2000] : [1000, 2000, 4000, 6000, 8000, 10000];
        var checkAt = quick ? 2000 : 4000;
        var checkLargeAt = quick ? 2000 : 8000;
        var photoCheckAt = 2000; // photo PNG lossless is the slow case (~0.7 MP/s): check it at 4 MP
        bool Check(int side, params int[] at) => threadsCheck && at.Contains(side);

        foreach (var side in squares)
        {
            var jpeg = new Source($"photo-{side}.jpg", SourceImageKind.Jpeg, "photo", side, side, 1, 0);
            yield return new Case(jpeg, null, false, Check(side, checkAt, checkLargeAt));
            var rotated = new Source($"photo-{side}-o6.jpg", SourceImageKind.Jpeg, "photo, orientation 6", side, side, 1, 6);
            yield return new Case(rotated, null, false, Check(side, checkAt, checkLargeAt));
            if (side >= 6000 || quick)
            {
                // Over 100 MB decoded, the random-access decode goes to a temp file (see Child); this is the
                // cost when it stays in memory instead (threshold raised, or $TMPDIR on tmpfs, where the
                // file is memory anyway).
                yield return new Case(rotated, null, false, false, "VIPS_DISC_THRESHOLD=4g");
            }
        }

        foreach (var (content, name) in new[] { ("photo RGB", "photo"), ("photo RGBA", "photo-alpha"), ("flat RGB", "flat") })
        {
            foreach (var side in squares)
            {
                var png = new Source($"{name}-{side}.png", SourceImageKind.Png, content, side, side, 1, 0);
                var flat = name == "flat";

                // Photo PNGs of 36 MP and more are over the default 64 MiB input limit. Lossy runs there with
                // the limit raised (it is cheap); lossless only for RGB up to 64 MP, since libwebp's lossless
                // encoder manages ~0.7 MP/s on photos here. Auto over the limit is not run: its peak is the
                // lossless pass (see the smaller sizes).
                var losslessOver = name == "photo" && side <= 8000;
                yield return new Case(png, WebPMode.Lossless, losslessOver, Check(side, flat ? checkLargeAt : photoCheckAt));
                yield return new Case(png, WebPMode.Lossy, true, Check(side, flat ? checkLargeAt : photoCheckAt));
                yield return new Case(png, WebPMode.Auto, false, flat && Check(side, checkLargeAt));
            }
        }

        int[] gifSides = quick ? [1000] : [1000, 3160, 7072, 10000];
        foreach (var side in gifSides)
        {
            var gif = new Source($"flat-{side}.gif", SourceImageKind.Gif, "flat", side, side, 1, 0);
            yield return new Case(gif, null, false, threadsCheck && side == (quick ? 1000 : 7072));
        }

        // Same frame size with 2 and 8 frames, and the largest 2-frame animation the 100 MP cap allows:
        // whether the cost follows all frames' pixels or one frame's.
        (int Side, int Frames)[] animations = quick ? [(400, 4)] : [(1000, 8), (2400, 2), (2400, 8), (7064, 2)];
        foreach (var (side, frames) in animations)
        {
            var gif = new Source($"anim-{side}x{frames}.gif", SourceImageKind.Gif, "flat, animated", side, side, frames, 0);
            yield return new Case(gif, null, false, threadsCheck && (side, frames) == (quick ? 400 : 2400, quick ? 4 : 8));
        }
    }

    private static Row Measure(Case c, string path, string warmup, long? limit, bool oneThread)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(Driver).Assembly.Location);
        }

        foreach (var a in new[] { "child", "--file", path, "--kind", c.Source.Kind.ToString(), "--warmup", warmup })
        {
            psi.ArgumentList.Add(a);
        }

        if (c.Mode is { } mode)
        {
            psi.ArgumentList.Add("--mode");
            psi.ArgumentList.Add(mode.ToString());
        }

        if (limit is { } l)
        {
            psi.ArgumentList.Add("--max-input-bytes");
            psi.ArgumentList.Add(l.ToString(CultureInfo.InvariantCulture));
        }

        if (oneThread)
        {
            psi.Environment["VIPS_CONCURRENCY"] = "1";
        }

        if (c.Env is { } env)
        {
            var (key, value) = (env[..env.IndexOf('=', StringComparison.Ordinal)], env[(env.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            psi.Environment[key] = value;
        }

        using var child = Process.Start(psi) ?? throw new InvalidOperationException("could not start the child");
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEndAsync();

        // libvips decodes random-access images larger than VIPS_DISC_THRESHOLD (default 100 MB) into an
        // unlinked temp file (vips-*.v in $TMPDIR) instead of memory; RSS does not show it, so the driver
        // watches the child's descriptors for it (from outside, so the child's heap is not disturbed).
        long tempPeak = 0;
        var deadline = Stopwatch.StartNew();
        while (!child.WaitForExit(20))
        {
            tempPeak = Math.Max(tempPeak, VipsTempFileBytes(child.Id));
            if (deadline.Elapsed > TimeSpan.FromMinutes(15))
            {
                child.Kill(entireProcessTree: true);
                throw new TimeoutException($"child for {c.Source.Name} {c.ModeName} took over 15 minutes");
            }
        }

        child.WaitForExit();

        var line = stdout.Result.Split('\n').LastOrDefault(l => l.StartsWith("RESULT\t", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"child for {c.Source.Name} {c.ModeName} failed ({child.ExitCode}): {stderr.Result}{stdout.Result}");
        }

        var result = ChildResult.Parse(line.TrimEnd('\r')) with { TempFileBytes = tempPeak };
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{c.Source.Name,-22} {c.ModeName,-8}{(c.Env is null ? "" : " " + c.Env)} threads={result.Threads} {result.Status,-26} extra={result.ExtraKib / 1024.0,8:F1} MiB  {result.ExtraBytes / (double)c.Source.Pixels,6:F2} B/px  {result.Seconds,6:F2} s  temp={result.TempFileBytes / 1048576.0:F0} MiB"));
        return new Row(c, result, limit is not null, oneThread);
    }
}

/// <summary>Makes the corpus with the vips CLI: perlin-noise "photos", flat-colour graphics, GIF animations.</summary>
internal sealed class Generator(string work)
{
    private readonly Dictionary<string, string> made = new(StringComparer.Ordinal);

    public Source WarmupFor(Source s) => s with
    {
        Name = "warm-" + s.Name.Split('-')[0] + (s.Content.Contains("RGBA", StringComparison.Ordinal) ? "-alpha" : "")
            + (s.Orientation > 0 ? "-o6" : "") + (s.Frames > 1 ? "-anim" : "") + Path.GetExtension(s.Name),
        Width = 128,
        Height = 128,
        Frames = Math.Min(s.Frames, 2),
    };

    /// <summary>Writes <paramref name="s"/> (once) and returns its path.</summary>
    public string Make(Source s)
    {
        if (made.TryGetValue(s.Name, out var done) && File.Exists(done))
        {
            return done;
        }

        var path = Path.Combine(work, s.Name);
        var tmp = Path.Combine(work, "tmp-" + Path.GetFileNameWithoutExtension(s.Name));
        Directory.CreateDirectory(tmp);
        try
        {
            var seed = s.Width; // deterministic; the JPEG and the PNG of one size show the same picture
            if (s.Content.StartsWith("photo", StringComparison.Ordinal))
            {
                Photo(tmp, s, path, seed);
            }
            else
            {
                Flat(tmp, s, path, seed);
            }
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }

        made[s.Name] = path;
        return path;
    }

    /// <summary>
    /// A photo-like picture: three octaves of Perlin noise plus grain for lightness, slow Perlin noise for
    /// the two chroma axes (CIELAB), rendered at half size and upscaled 2x (the grain becomes 2-pixel
    /// correlated, like demosaiced sensor noise). JPEG Q=90 lands at ~1.3 bits/pixel, PNG at ~16.
    /// RGBA adds a soft-edged alpha mask with opaque and transparent areas. The half-size base is kept
    /// (in the work directory) for the other files of the same size.
    /// </summary>
    private void Photo(string tmp, Source s, string path, int seed)
    {
        int sw = s.Width / 2, sh = s.Height / 2;
        string T(string n) => Path.Combine(tmp, n + ".v");
        string W(int v) => v.ToString(CultureInfo.InvariantCulture);
        var alpha = s.Content.Contains("RGBA", StringComparison.Ordinal);
        var baseDir = Path.Combine(work, $"base-photo-{s.Width}x{s.Height}");
        var small = Path.Combine(baseDir, alpha ? "rgba.v" : "rgb.v");
        if (!File.Exists(Path.Combine(baseDir, "rgb.v")))
        {
            Directory.CreateDirectory(baseDir);
            Vips("perlin", T("o1"), W(sw), W(sh), "--cell-size", W(Math.Max(16, sw / 6)), "--seed", W(seed + 1));
            Vips("perlin", T("o2"), W(sw), W(sh), "--cell-size", W(Math.Max(8, sw / 40)), "--seed", W(seed + 2));
            Vips("perlin", T("o3"), W(sw), W(sh), "--cell-size", "6", "--seed", W(seed + 3));
            Vips("gaussnoise", T("n"), W(sw), W(sh), "--sigma", "0.03", "--mean", "0");
            Vips("linear", T("o1"), T("w1"), "1.6", "0");
            Vips("linear", T("o2"), T("w2"), "0.6", "0");
            Vips("linear", T("o3"), T("w3"), "0.25", "0");
            Vips("sum", $"{T("w1")} {T("w2")} {T("w3")} {T("n")}", T("s"));
            Vips("linear", T("s"), T("L"), "35", "50");
            Vips("perlin", T("pa"), W(sw), W(sh), "--cell-size", W(Math.Max(16, sw / 5)), "--seed", W(seed + 4));
            Vips("perlin", T("pb"), W(sw), W(sh), "--cell-size", W(Math.Max(16, sw / 5)), "--seed", W(seed + 5));
            Vips("linear", T("pa"), T("a"), "40", "0");
            Vips("linear", T("pb"), T("b"), "40", "0");
            Vips("bandjoin", $"{T("L")} {T("a")} {T("b")}", T("lab0"));
            Vips("copy", T("lab0"), T("lab"), "--interpretation", "lab");
            Vips("colourspace", T("lab"), Path.Combine(baseDir, "rgb.v"), "srgb");
        }

        if (alpha && !File.Exists(small))
        {
            Vips("perlin", T("pm"), W(sw), W(sh), "--cell-size", W(Math.Max(16, sw / 4)), "--seed", W(seed + 6));
            Vips("linear", T("pm"), T("mask"), "600", "128", "--uchar");
            Vips("bandjoin", $"{Path.Combine(baseDir, "rgb.v")} {T("mask")}", small);
        }

        if (s.Orientation > 0)
        {
            // The CLI cannot set EXIF orientation; set the field and let jpegsave write the EXIF block.
            SetOrientation(small, T("oriented"), s.Orientation);
            small = T("oriented");
        }

        var target = s.Kind == SourceImageKind.Jpeg ? path + "[Q=90]" : path;
        Vips("resize", small, target, "2");
    }

    /// <summary>
    /// A flat-colour graphic: quantised Perlin noise (6-7 colours) at 1/8 size, upscaled 8x with nearest
    /// neighbour, so large solid areas with stair-stepped edges. Animations stack different frames.
    /// </summary>
    private static void Flat(string tmp, Source s, string path, int seed)
    {
        int sw = s.Width / 8, sh = s.Height / 8;
        if (sw * 8 != s.Width || sh * 8 != s.Height)
        {
            throw new ArgumentException($"flat images need sides divisible by 8: {s.Size}");
        }

        string T(string n) => Path.Combine(tmp, n + ".v");
        string W(int v) => v.ToString(CultureInfo.InvariantCulture);
        var frames = new List<string>();
        for (var f = 0; f < s.Frames; f++)
        {
            var p = $"f{f}";
            Vips("perlin", T(p + "p"), W(sw), W(sh), "--cell-size", W(Math.Max(8, sw / 12)), "--seed", W(seed + 100 + f), "--uchar");
            Vips("linear", T(p + "p"), T(p + "q"), "0.035", "0");
            Vips("round", T(p + "q"), T(p + "r"), "floor");
            Vips("linear", T(p + "r"), T(p + "R"), "37", "20", "--uchar");
            Vips("linear", T(p + "r"), T(p + "t"), "30", "5", "--uchar");
            Vips("invert", T(p + "t"), T(p + "G"));
            Vips("linear", T(p + "r"), T(p + "B"), "53", "10", "--uchar");
            Vips("bandjoin", $"{T(p + "R")} {T(p + "G")} {T(p + "B")}", T(p));
            frames.Add(T(p));
        }

        var small = frames[0];
        var target = path;
        if (s.Frames > 1)
        {
            // Stack the frames vertically (vips 8.14.1's arrayjoin crashes in the CLI; join does not).
            for (var f = 1; f < frames.Count; f++)
            {
                Vips("join", small, frames[f], T($"stack{f}"), "vertical");
                small = T($"stack{f}");
            }

            target = $"{path}[page-height={s.Height}]";
        }

        Vips("resize", small, target, "8", "--kernel", "nearest");
    }

    private static void Vips(params string[] args)
    {
        var psi = new ProcessStartInfo("vips") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start vips");
        var err = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"vips {string.Join(' ', args)} failed: {err.Result}");
        }
    }

    private static void SetOrientation(string input, string output, int orientation)
    {
        using var image = NetVips.Image.NewFromFile(input);
        using var oriented = image.Mutate(m => m.Set("orientation", orientation));
        oriented.WriteToFile(output);
    }

    /// <summary>Width, height (all frames) and EXIF orientation as libvips reads them.</summary>
    public static (int Width, int Height, int Orientation) Header(string path, SourceImageKind kind)
    {
        using var image = NetVips.Image.NewFromFile(kind == SourceImageKind.Gif ? path + "[n=-1]" : path);
        var orientation = image.Contains("orientation") ? (int)image.Get("orientation") : 1;
        return (image.Width, image.Height, orientation == 1 ? 0 : orientation);
    }
}

/// <summary>Markdown tables and the linear fits.</summary>
internal static class Report
{
    private const double MiB = 1024 * 1024;

    public static void Print(List<Row> rows, double generateSeconds, double totalSeconds)
    {
        var measured = rows.Where(r => !r.OneThread).ToList();
        var threadCounts = measured.Select(r => r.Result.Threads).Distinct().Order().ToList();
        var w = Console.Out;
        w.WriteLine($"libvips {LibvipsRuntime.Version}, libvips threads (vips_concurrency_get) in the main runs: {string.Join(", ", threadCounts)}; "
            + $"{Environment.ProcessorCount} CPUs; {rows.Count} child processes; corpus generation {generateSeconds:F0} s, total {totalSeconds:F0} s.");
        w.WriteLine();
        w.WriteLine("### Per case (default VariantOptions except the mode; one encode per fresh process)");
        w.WriteLine();
        w.WriteLine("| kind | content | mode | rule | orient. > 2 | size | MP | input bytes | status | peak extra MiB | bytes/pixel | libvips tracked MiB | temp file MiB | encode s | output bytes |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in measured)
        {
            var s = r.Case.Source;
            var status = r.Result.Status == "ok" ? (r.LimitRaised ? "ok, limit raised¹" : "ok") : r.Result.Status;
            var mode = r.Result.Status == "ok" || r.Case.Mode is not null ? r.Case.ModeName : "default (" + r.Case.ModeName + ")";
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Kind.ToString().ToLowerInvariant()} | {r.Case.Content} | {mode} | {r.Result.Rule} | {(s.Orientation > 2 ? "yes" : "no")} | {s.Size} | {s.Megapixels:F1} | {r.Result.InputBytes} | {status} | {r.Result.ExtraBytes / MiB:F1} | {BytesPerPixel(r):F2} | {r.Result.TrackedHighwater / MiB:F1} | {r.Result.TempFileBytes / MiB:F0} | {r.Result.Seconds:F2} | {r.Result.OutputBytes} |"));
        }

        w.WriteLine();
        w.WriteLine("¹ over the default 64 MiB `MaxInputBytes`, which rejects it in production (row `rejected:InputTooLarge`); run with the limit raised to the file size so the fit covers the pixel count.");
        w.WriteLine();

        var ok = measured.Where(r => r.Result.Status == "ok").ToList();
        var fits = ok.Where(r => r.Case.Source.Frames == 1).GroupBy(r => r.Case.Group).Select(Fit).ToList();
        w.WriteLine("### Fit per (kind, mode, content): peak extra ≈ a × pixels + b");
        w.WriteLine();
        w.WriteLine("| kind | mode | content | points | MP | a (bytes/pixel) | b (MiB) | max rel. error | max rel. error ≥ 4 MP | max bytes/pixel at ≥ 4 MP | admission factor (bytes/pixel) | overhead (MiB) |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var f in fits)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {f.Group.Replace("\t", " | ", StringComparison.Ordinal)} | {f.Points} | {f.MinMp:F0}–{f.MaxMp:F0} | {f.A:F2} | {f.B / MiB:F1} | {f.MaxRelError * 100:F0} % | {f.MaxRelErrorLarge * 100:F0} % | {f.MaxBppLarge:F2} | {f.Factor} | {f.Overhead / MiB:F0} |"));
        }

        w.WriteLine();
        w.WriteLine("Admission factor = max observed bytes/pixel over sizes ≥ 4 MP, rounded up; overhead = the smallest whole MiB "
            + "with factor × pixels + overhead ≥ every measured peak of the group (all sizes).");
        w.WriteLine();
        w.WriteLine("### Per (kind, mode), all contents");
        w.WriteLine();
        w.WriteLine("| kind | mode | admission factor (bytes/pixel) | overhead (MiB) | worst content |");
        w.WriteLine("|---|---|---|---|---|");
        foreach (var g in fits.GroupBy(f => string.Join('\t', f.Group.Split('\t')[..2])))
        {
            var rowsOf = ok.Where(r => r.Case.Source.Frames == 1 && string.Join('\t', r.Case.Group.Split('\t')[..2]) == g.Key).ToList();
            var factor = g.Max(f => f.Factor);
            var overhead = Overhead(rowsOf, factor);
            var worst = g.MaxBy(f => f.MaxBppLarge)!.Group.Split('\t')[2];
            w.WriteLine($"| {g.Key.Replace("\t", " | ", StringComparison.Ordinal)} | {factor} | {overhead / MiB:F0} | {worst} |");
        }

        var animated = ok.Where(r => r.Case.Source.Frames > 1).ToList();
        if (animated.Count > 0)
        {
            PrintAnimated(w, animated);
        }

        var checks = rows.Where(r => r.OneThread).ToList();
        if (checks.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("### libvips threads: default vs VIPS_CONCURRENCY=1");
            w.WriteLine();
            w.WriteLine("| kind | content | mode | size | MP | threads (default) | peak extra MiB (default) | peak extra MiB (1 thread) | difference | encode s (default / 1) |");
            w.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var one in checks)
            {
                var def = measured.First(r => r.Case == one.Case);
                var s = one.Case.Source;
                var diff = (one.Result.ExtraBytes - def.Result.ExtraBytes) / (double)def.Result.ExtraBytes;
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Kind.ToString().ToLowerInvariant()} | {one.Case.Content} | {one.Case.ModeName} | {s.Size} | {s.Megapixels:F1} | {def.Result.Threads} | {def.Result.ExtraBytes / MiB:F1} | {one.Result.ExtraBytes / MiB:F1} | {diff * 100:+0;-0;0} % | {def.Result.Seconds:F1} / {one.Result.Seconds:F1} |"));
            }
        }

        var noReset = rows.Count(r => !r.Result.Reset);
        if (noReset > 0)
        {
            w.WriteLine();
            w.WriteLine($"Note: {noReset} children could not reset VmHWM through /proc/self/clear_refs; their peak may include the warm-up.");
        }
    }

    /// <summary>
    /// Animations: the encoder works frame by frame, so the peak follows one frame's pixels (a) plus a little
    /// per pixel of every further frame (c, the encoded frames and per-frame state): y = a·F + c·(P − F) + b.
    /// </summary>
    private static void PrintAnimated(TextWriter w, List<Row> animated)
    {
        var pts = animated.Select(r => (F: (double)r.Case.Source.FramePixels, O: (double)(r.Case.Source.Pixels - r.Case.Source.FramePixels),
            Y: (double)r.Result.ExtraBytes)).ToList();
        double a, c, b;
        if (pts.Count >= 3)
        {
            // Least squares by the normal equations of [F, O, 1].
            var m = new double[3, 4];
            foreach (var p in pts)
            {
                double[] x = [p.F, p.O, 1];
                for (var i = 0; i < 3; i++)
                {
                    for (var j = 0; j < 3; j++)
                    {
                        m[i, j] += x[i] * x[j];
                    }

                    m[i, 3] += x[i] * p.Y;
                }
            }

            var sol = Solve3(m);
            (a, c, b) = (sol[0], sol[1], sol[2]);
        }
        else
        {
            (a, c, b) = (pts.Max(p => p.Y / p.F), 0, 0);
        }

        var maxRel = pts.Max(p => Math.Abs((a * p.F) + (c * p.O) + b - p.Y) / p.Y);
        var large = pts.Where(p => p.F >= 4e6).ToList();
        var perFrame = (int)Math.Ceiling(Math.Max(0, c));
        var factor = (int)Math.Ceiling((large.Count > 0 ? large : pts).Max(p => (p.Y - (perFrame * p.O)) / p.F));
        var overhead = Math.Max(0, Math.Ceiling(pts.Max(p => p.Y - (factor * p.F) - (perFrame * p.O)) / MiB));
        w.WriteLine();
        w.WriteLine("### Animated GIF (lossless): peak extra ≈ a × frame pixels + c × pixels of the other frames + b");
        w.WriteLine();
        w.WriteLine("| points | a (bytes/frame pixel) | c (bytes/pixel, other frames) | b (MiB) | max rel. error | admission: bytes/frame pixel | admission: bytes/pixel, other frames | overhead (MiB) |");
        w.WriteLine("|---|---|---|---|---|---|---|---|");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {pts.Count} | {a:F2} | {c:F2} | {b / MiB:F1} | {maxRel * 100:F0} % | {factor} | {perFrame} | {overhead:F0} |"));
        w.WriteLine();
        w.WriteLine("Admission: bytes/pixel for the other frames = c rounded up; bytes/frame pixel = max over frames ≥ 4 MP of "
            + "(peak − that × other frames' pixels) ÷ one frame's pixels, rounded up; overhead = the smallest whole MiB that covers every point.");
    }

    private static double[] Solve3(double[,] m)
    {
        for (var col = 0; col < 3; col++)
        {
            var pivot = Enumerable.Range(col, 3 - col).MaxBy(r => Math.Abs(m[r, col]));
            for (var k = 0; k < 4; k++)
            {
                (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
            }

            for (var r = 0; r < 3; r++)
            {
                if (r != col)
                {
                    var f = m[r, col] / m[col, col];
                    for (var k = 0; k < 4; k++)
                    {
                        m[r, k] -= f * m[col, k];
                    }
                }
            }
        }

        return [m[0, 3] / m[0, 0], m[1, 3] / m[1, 1], m[2, 3] / m[2, 2]];
    }

    private static double BytesPerPixel(Row r) => r.Result.ExtraBytes / (double)r.Case.Source.Pixels;

    private sealed record FitResult(string Group, int Points, double MinMp, double MaxMp, double A, double B, double MaxRelError,
        double MaxRelErrorLarge, double MaxBppLarge, int Factor, long Overhead);

    private static FitResult Fit(IGrouping<string, Row> g)
    {
        var pts = g.Select(r => (X: (double)r.Case.Source.Pixels, Y: (double)r.Result.ExtraBytes)).ToList();
        double a, b;
        if (pts.Select(p => p.X).Distinct().Count() >= 2)
        {
            double mx = pts.Average(p => p.X), my = pts.Average(p => p.Y);
            a = pts.Sum(p => (p.X - mx) * (p.Y - my)) / pts.Sum(p => (p.X - mx) * (p.X - mx));
            b = my - (a * mx);
        }
        else
        {
            a = pts[0].Y / pts[0].X;
            b = 0;
        }

        var maxRel = pts.Max(p => Math.Abs((a * p.X) + b - p.Y) / p.Y);
        var large = pts.Where(p => p.X >= 4e6).ToList();
        var maxBpp = (large.Count > 0 ? large : pts).Max(p => p.Y / p.X);
        var maxRelLarge = (large.Count > 0 ? large : pts).Max(p => Math.Abs((a * p.X) + b - p.Y) / p.Y);
        var factor = (int)Math.Ceiling(maxBpp);
        var rows = g.ToList();
        return new FitResult(g.Key, pts.Count, pts.Min(p => p.X) / 1e6, pts.Max(p => p.X) / 1e6, a, b, maxRel, maxRelLarge, maxBpp, factor,
            Overhead(rows, factor));
    }

    private static long Overhead(List<Row> rows, int factor)
    {
        var worst = rows.Max(r => r.Result.ExtraBytes - ((double)factor * r.Case.Source.Pixels));
        return (long)Math.Max(0, Math.Ceiling(worst / MiB)) * (1 << 20);
    }
}

/// <summary>The few libvips statistics the harness reads beyond MediaOffload.Imaging's public API, through NetVips.</summary>
internal static class Native
{
    internal static long TrackedGetMemHighwater() => (long)NetVips.Stats.MemHighwater;

    internal static int ConcurrencyGet() => NetVips.NetVips.Concurrency;
}
