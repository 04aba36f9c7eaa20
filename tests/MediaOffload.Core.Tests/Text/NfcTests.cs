using System.Text.Json;
using MediaOffload.Core.Text;

namespace MediaOffload.Core.Tests.Text;

public sealed class NfcTests
{
    private sealed record NfcVector(string Input, string Nfc);

    private sealed record VectorFile(string Description, NfcVector[] Vectors);

    private static readonly Lazy<NfcVector[]> Vectors = new(() =>
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "nfc.json"));
        return JsonSerializer.Deserialize<VectorFile>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!.Vectors;
    });

    [Fact]
    public void Normalize_EveryPythonVector_MatchesUnicodedata()
    {
        Assert.True(Vectors.Value.Length > 4000);
        var failures = Vectors.Value
            .Where(v => Nfc.Normalize(v.Input) != v.Nfc)
            .Select(v => $"{Escape(v.Input)} -> {Escape(Nfc.Normalize(v.Input))}, expected {Escape(v.Nfc)}")
            .Take(20)
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("Cafe\u0301", "Caf\u00E9")]
    [InlineData("a\u0302\u0323", "\u1EAD")]
    [InlineData("\u212B", "\u00C5")]
    [InlineData("\u0958", "\u0915\u093C")]
    [InlineData("\u304B\u3099", "\u304C")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]
    public void Normalize_KnownCase_ReturnsNfc(string input, string expected)
    {
        Assert.Equal(expected, Nfc.Normalize(input));
    }

    [Theory]
    [InlineData("2024/05/photo.jpg")]
    [InlineData("2024/05/Caf\u00E9 \u0395\u03BB\u03BB\u03B7\u03BD\u03B9\u03BA\u03AC \u65E5\u672C.jpg")]
    public void Normalize_AlreadyNfc_ReturnsSameInstance(string input)
    {
        Assert.Same(input, Nfc.Normalize(input));
    }

    private static string Escape(string s) => string.Concat(s.EnumerateRunes().Select(r => r.Value < 0x80 ? r.ToString() : $"\\u{r.Value:X4}"));
}
