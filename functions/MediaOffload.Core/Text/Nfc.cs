using System.Collections.Frozen;
using System.Text;

namespace MediaOffload.Core.Text;

/// <summary>
/// Unicode Normalization Form C without ICU. <see cref="string.Normalize()"/> silently returns its input unchanged
/// when the runtime runs with <c>InvariantGlobalization</c> (as this service does), so NFD file names from macOS
/// would otherwise make a second key for the same file. Tables come from <c>make_nfc_tables.py</c>.
/// </summary>
internal static partial class Nfc
{
    // Hangul syllables are composed algorithmically (Unicode §3.12).
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    /// <summary>The first code point that can take part in normalization: everything below is already NFC.</summary>
    private const char FirstAffected = '\u0300';

    private static readonly FrozenDictionary<int, int> CombiningClasses = BuildCombiningClasses();
    private static readonly FrozenDictionary<int, (int First, int Second)> Decompositions = BuildDecompositions();
    private static readonly FrozenDictionary<long, int> Compositions = BuildCompositions();

    /// <summary>The NFC form of <paramref name="s"/>; the same instance when nothing changes.</summary>
    public static string Normalize(string s)
    {
        if (IsTriviallyNormalized(s))
        {
            return s;
        }

        var decomposed = new List<int>(s.Length + 8);
        foreach (var rune in s.EnumerateRunes())
        {
            Decompose(rune.Value, decomposed);
        }

        ReorderMarks(decomposed);
        var composed = Compose(decomposed);

        var sb = new StringBuilder(s.Length);
        foreach (var cp in composed)
        {
            sb.Append(new Rune(cp).ToString());
        }

        var result = sb.ToString();
        return string.Equals(result, s, StringComparison.Ordinal) ? s : result;
    }

    private static bool IsTriviallyNormalized(string s)
    {
        foreach (var ch in s)
        {
            if (ch >= FirstAffected)
            {
                return false;
            }
        }

        return true;
    }

    private static int CombiningClass(int cp) => CombiningClasses.TryGetValue(cp, out var c) ? c : 0;

    private static void Decompose(int cp, List<int> output)
    {
        var s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + (s / NCount));
            output.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                output.Add(TBase + (s % TCount));
            }

            return;
        }

        if (!Decompositions.TryGetValue(cp, out var d))
        {
            output.Add(cp);
            return;
        }

        Decompose(d.First, output);
        if (d.Second != 0)
        {
            Decompose(d.Second, output);
        }
    }

    /// <summary>Canonical ordering: a stable sort of each run of combining marks by combining class.</summary>
    private static void ReorderMarks(List<int> cps)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var cc = CombiningClass(cps[i]);
            if (cc == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0 && CombiningClass(cps[j - 1]) > cc)
            {
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
                j--;
            }
        }
    }

    private static List<int> Compose(List<int> cps)
    {
        var result = new List<int>(cps.Count);
        var starter = -1;
        var lastClass = 0;
        foreach (var cp in cps)
        {
            var cc = CombiningClass(cp);
            if (starter >= 0)
            {
                var adjacent = result.Count - 1 == starter;
                var blocked = !adjacent && (lastClass == 0 || lastClass >= cc);
                if (!blocked && TryCompose(result[starter], cp, out var composite))
                {
                    result[starter] = composite;
                    continue;
                }
            }

            if (cc == 0)
            {
                starter = result.Count;
            }

            lastClass = cc;
            result.Add(cp);
        }

        return result;
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        var l = first - LBase;
        var v = second - VBase;
        if (l is >= 0 and < LCount && v is >= 0 and < VCount)
        {
            composite = SBase + (((l * VCount) + v) * TCount);
            return true;
        }

        var s = first - SBase;
        var t = second - TBase;
        if (s is >= 0 and < SCount && s % TCount == 0 && t is > 0 and < TCount)
        {
            composite = first + t;
            return true;
        }

        return Compositions.TryGetValue(Key(first, second), out composite);
    }

    private static long Key(int first, int second) => ((long)first << 21) | (uint)second;

    private static FrozenDictionary<int, int> BuildCombiningClasses()
    {
        var data = CombiningClassData;
        var map = new Dictionary<int, int>(data.Length / 2);
        for (var i = 0; i < data.Length; i += 2)
        {
            map[data[i]] = data[i + 1];
        }

        return map.ToFrozenDictionary();
    }

    private static FrozenDictionary<int, (int First, int Second)> BuildDecompositions()
    {
        var data = DecompositionData;
        var map = new Dictionary<int, (int, int)>(data.Length / 4);
        for (var i = 0; i < data.Length; i += 4)
        {
            map[data[i]] = (data[i + 1], data[i + 2]);
        }

        return map.ToFrozenDictionary();
    }

    private static FrozenDictionary<long, int> BuildCompositions()
    {
        var data = DecompositionData;
        var map = new Dictionary<long, int>();
        for (var i = 0; i < data.Length; i += 4)
        {
            if (data[i + 3] == 1)
            {
                map[Key(data[i + 1], data[i + 2])] = data[i];
            }
        }

        return map.ToFrozenDictionary();
    }
}
