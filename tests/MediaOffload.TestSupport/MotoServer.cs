using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace MediaOffload.TestSupport;

/// <summary>
/// A real S3 endpoint: <c>moto_server</c> on 127.0.0.1 and a free port, started by the tests themselves. A shell
/// watchdog ends it when the test process goes away, even if that process is killed, so it never outlives the run.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private static readonly Lazy<Task<MotoServer>> SharedInstance = new(() => StartAsync());
    private readonly Process _process;

    private MotoServer(Process process, int port)
    {
        _process = process;
        Port = port;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    /// <summary>One server for the whole test process; tests isolate themselves with their own buckets.</summary>
    public static Task<MotoServer> Shared => SharedInstance.Value;

    public int Port { get; }

    public string Endpoint { get; }

    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("testing", "testing");

    public static async Task<MotoServer> StartAsync()
    {
        var executable = Environment.GetEnvironmentVariable("MOTO_SERVER") ?? "moto_server";
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var watchdog = "\"$0\" -H 127.0.0.1 -p \"$1\" >/dev/null 2>&1 & m=$!; trap 'kill $m 2>/dev/null' EXIT TERM INT; "
                + "while kill -0 \"$2\" 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1; done";
            var info = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-c", watchdog, executable, port.ToString(), Environment.ProcessId.ToString() })
            {
                info.ArgumentList.Add(arg);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start moto_server.");
            var server = new MotoServer(process, port);
            if (await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30)))
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
                return server;
            }

            server.Kill();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"moto_server did not answer on port {port}; is Python moto installed ('{executable}' on PATH)?");
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

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }

    private void Kill()
    {
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

    private async Task<bool> WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync($"{Endpoint}/moto-api/");
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
