namespace MediaOffload.Cli.Sources;

/// <summary>
/// The marker the WordPress plugin keeps in an uploads folder while some of its files are remote-only: removed locally
/// once the bucket vouched for them, so the bucket holds the only copy (docs/remote-only.md). The folder is then no
/// full record of the library, and an object missing from it is no orphan.
/// </summary>
internal static class RemoteOnlyMarker
{
    /// <summary>The marker's name, in a site's uploads folder: the root, or <c>sites/N/</c> for a network's site.</summary>
    public const string FileName = ".media-offload-remote-only";

    /// <summary>The first marker in <paramref name="uploadsDir"/> or a <c>sites/*/</c> folder below it; null when none.</summary>
    public static string? Find(string uploadsDir)
    {
        var root = Path.Combine(uploadsDir, FileName);
        if (File.Exists(root))
        {
            return root;
        }

        var sites = Path.Combine(uploadsDir, "sites");
        return Directory.Exists(sites)
            ? Directory.EnumerateDirectories(sites).Select(d => Path.Combine(d, FileName)).Order(StringComparer.Ordinal).FirstOrDefault(File.Exists)
            : null;
    }

    /// <summary>
    /// Whether a name is the marker, or the temporary name the plugin writes it under before renaming it
    /// (<c>{marker}.{random}</c>): neither is a file of the library.
    /// </summary>
    public static bool IsMarkerName(string name) => name.StartsWith(FileName, StringComparison.Ordinal);

    /// <summary>Why <c>sync --delete</c> may not run on a folder holding <paramref name="marker"/>.</summary>
    public static string Refusal(string marker) =>
        $"--delete refused: {marker} says WordPress removed local copies of files the bucket holds (remote-only), so their objects " +
        "would look like orphans and be deleted. Run sync without --delete, or bring the files back first with " +
        "'wp media-offload restore-local --all' (docs/remote-only.md).";
}
