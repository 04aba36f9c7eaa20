using System.Diagnostics;
using MediaOffload.TestSupport;

namespace MediaOffload.Cli.Tests;

/// <summary>
/// The NativeAOT build of media-offload at <c>artifacts/cli/media-offload</c>, as <c>scripts/install-cli.sh</c>
/// makes it. scripts/test.sh builds it before the tests; a plain <c>dotnet test</c> builds it here when it is missing
/// or older than the sources it is compiled from, so the process tests never run a stale binary.
/// </summary>
internal static class NativeBinary
{
    private static readonly string[] SourceProjects = ["MediaOffload.Cli", "MediaOffload.Core", "MediaOffload.Storage", "MediaOffload.Imaging"];
    private static readonly Lazy<Task<string>> Built = new(BuildAsync);

    public static Task<string> PathAsync() => Built.Value;

    /// <summary>Runs the binary to completion (bounded by <paramref name="timeout"/>) and returns its exit code and output.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string binary, IReadOnlyList<string> args, TimeSpan timeout, string? home = null)
    {
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // No instance metadata lookups from a test machine; no user cache outside the test folder.
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        if (home is not null)
        {
            info.Environment["XDG_CACHE_HOME"] = home;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"media-offload {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await output, await error);
    }

    private static async Task<string> BuildAsync()
    {
        var root = RepositoryRoot.Path;
        var binary = Path.Combine(root, "artifacts", "cli", "media-offload");
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) >= NewestSource(root))
        {
            return binary;
        }

        var (exit, output, error) = await RunAsync("bash", [Path.Combine(root, "scripts", "install-cli.sh")], TimeSpan.FromMinutes(15));
        Assert.True(exit == 0, $"scripts/install-cli.sh failed ({exit}):\n{output}\n{error}");
        return binary;
    }

    private static DateTime NewestSource(string root)
    {
        var inputs = SourceProjects
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, "functions", p), "*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Concat([Path.Combine(root, "Directory.Build.props"), Path.Combine(root, "Directory.Packages.props")]);
        return inputs.Max(File.GetLastWriteTimeUtc);
    }
}
