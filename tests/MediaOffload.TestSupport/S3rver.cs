using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MediaOffload.TestSupport;

/// <summary>
/// A second real S3 endpoint: s3rver (npm) on 127.0.0.1 and a free port, started by the tests themselves. Unlike
/// moto_server it stores an <c>aws-chunked</c> request body verbatim, chunk framing included, and ignores
/// <c>Content-MD5</c>, the way some S3-compatible servers do; the compatibility tests use it to prove uploads stay
/// correct there (docs/benchmarks-sync.md, "S3-compatible servers"). As with <see cref="MotoServer"/>, a shell
/// watchdog ends it when the test process goes away, even if that process is killed, and removes its data folder.
/// </summary>
public sealed class S3rver : IAsyncDisposable
{
    private static readonly Lazy<Task<S3rver>> SharedInstance = new(() => StartAsync());
    private readonly Process _process;
    private readonly string _directory;

    private S3rver(Process process, int port, string directory)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    /// <summary>One server for the whole test process; tests isolate themselves with their own buckets.</summary>
    public static Task<S3rver> Shared => SharedInstance.Value;

    public int Port { get; }

    public string Endpoint { get; }

    /// <summary>s3rver's own key pair; tests/MediaOffload.TestSupport/s3rver/serve.js also accepts any other key.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("S3RVER", "S3RVER");

    /// <summary>
    /// The folder holding <c>serve.js</c> and <c>node_modules/s3rver</c>: <c>S3RVER_DIR</c>, else
    /// tests/MediaOffload.TestSupport/s3rver in the repository this test runs from (scripts/bootstrap.sh installs it).
    /// </summary>
    public static string InstallDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("S3RVER_DIR");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "MediaOffload.TestSupport", "s3rver");
            if (File.Exists(Path.Combine(candidate, "serve.js")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/MediaOffload.TestSupport/s3rver not found above " + AppContext.BaseDirectory + "; set S3RVER_DIR.");
    }

    public static async Task<S3rver> StartAsync()
    {
        var install = InstallDirectory();
        if (!Directory.Exists(Path.Combine(install, "node_modules", "s3rver")))
        {
            throw new InvalidOperationException($"s3rver is not installed in {install}; run scripts/bootstrap.sh (npm ci --prefix {install}).");
        }

        var node = Environment.GetEnvironmentVariable("NODE") ?? "node";
        for (var attempt = 1; ; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("s3rver-").FullName;
            // serve.js listens on port 0 and prints the port it got, so there is no window for another process to
            // take a port picked here. Node 17+ needs the legacy provider for s3rver's DES continuation tokens.
            var watchdog = "NODE_OPTIONS=\"--openssl-legacy-provider ${NODE_OPTIONS:-}\" \"$0\" \"$1\" 0 \"$2\" & m=$!; "
                + "trap 'kill $m 2>/dev/null; wait $m 2>/dev/null; rm -rf \"$2\"' EXIT TERM INT; "
                + "while kill -0 \"$3\" 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1; done";
            var info = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-c", watchdog, node, Path.Combine(install, "serve.js"), directory, Environment.ProcessId.ToString() })
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start s3rver.");
            var errors = process.StandardError.ReadToEndAsync();
            var port = await ReadPortAsync(process, TimeSpan.FromSeconds(30));
            var server = new S3rver(process, port ?? 0, directory);
            if (port is not null && await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(10)))
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
                return server;
            }

            server.Kill();
            if (attempt == 3)
            {
                var stderr = process.HasExited ? await errors : string.Empty;
                throw new InvalidOperationException($"s3rver did not start ('{node}' on PATH, s3rver in {install}?): {stderr}");
            }
        }
    }

    /// <summary>An S3 client for this server, with the same checksum settings the service uses.</summary>
    public IAmazonS3 CreateClient() => LoopbackS3.Client(Endpoint, Credentials);

    /// <summary>Creates a bucket with a unique name and returns the name.</summary>
    public async Task<string> CreateBucketAsync(string label)
    {
        using var client = CreateClient();
        return await LoopbackS3.CreateBucketAsync(client, label);
    }

    /// <summary>Every byte of an object, read back with a plain GET.</summary>
    public async Task<byte[]> ReadAllAsync(string bucket, string key)
    {
        using var client = CreateClient();
        using var response = await client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private void Kill()
    {
        // The folder first: the test host may be ended right after this handler starts. Until the watchdog is gone
        // it still removes the folder itself when this process disappears; a killed watchdog runs no trap.
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static async Task<int?> ReadPortAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } line)
            {
                if (line.StartsWith("listening ", StringComparison.Ordinal) && int.TryParse(line["listening ".Length..], out var port))
                {
                    return port;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    private async Task<bool> WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                // GET / is ListBuckets; s3rver answers it without credentials.
                using var response = await http.GetAsync($"{Endpoint}/");
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }
}
