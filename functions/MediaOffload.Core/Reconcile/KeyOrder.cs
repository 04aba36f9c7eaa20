namespace MediaOffload.Core.Reconcile;

/// <summary>
/// Orders keys the way S3 lists them: by their UTF-8 bytes. Plain ordinal string comparison orders UTF-16 code
/// units, which disagrees with UTF-8 for characters above U+FFFF versus U+E000-U+FFFF; a sorted merge that uses
/// the wrong order silently reports such keys as missing plus orphaned.
/// </summary>
public sealed class KeyOrder : IComparer<string>
{
    /// <summary>The one instance; stateless and thread-safe.</summary>
    public static KeyOrder Utf8 { get; } = new();

    private KeyOrder()
    {
    }

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a != b)
            {
                return Fix(a) - Fix(b);
            }
        }

        return x.Length - y.Length;
    }

    /// <summary>True when <paramref name="a"/> sorts strictly before <paramref name="b"/>.</summary>
    public static bool Before(string a, string b) => Utf8.Compare(a, b) < 0;

    // Maps UTF-16 code units onto code point order (which UTF-8 byte order follows): surrogates, which encode
    // U+10000 and above, move above U+E000-U+FFFF.
    private static int Fix(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
