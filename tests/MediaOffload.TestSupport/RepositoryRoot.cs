namespace MediaOffload.TestSupport;

/// <summary>The checkout the tests run from: the folder above the test output that holds MediaOffload.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "MediaOffload.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MediaOffload.sln not found above the test output.");
    }
}
