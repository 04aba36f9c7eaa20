using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;
using MediaOffload.Cli.Commands;
using MediaOffload.Core.Reconcile;
using MediaOffload.TestSupport;

namespace MediaOffload.Cli.Tests;

/// <summary>
/// A temp uploads folder, a fresh bucket on a shared local S3 server (moto_server, or s3rver with
/// <see cref="OnS3rverAsync"/>), and in-process CLI runs against it.
/// </summary>
public sealed class CliHarness : IAsyncDisposable
{
    private CliHarness(string endpoint, IAmazonS3 s3, string bucket, string root)
    {
        Endpoint = endpoint;
        S3 = s3;
        Bucket = bucket;
        Root = root;
        Uploads = Directory.CreateDirectory(Path.Combine(root, "uploads")).FullName;
    }

    /// <summary>The server's URL, passed to every run as <c>--endpoint-url</c>.</summary>
    public string Endpoint { get; }
    public string Bucket { get; }
    public string Root { get; }
    public string Uploads { get; }
    public IAmazonS3 S3 { get; }
    public string ReportPath => Path.Combine(Root, "report.json");
    public string StatePath => Path.Combine(Root, "state.jsonl");

    public static async Task<CliHarness> CreateAsync(string label)
    {
        var moto = await MotoServer.Shared;
        var bucket = await moto.CreateBucketAsync(label);
        return new CliHarness(moto.Endpoint, moto.CreateClient(), bucket, Directory.CreateTempSubdirectory("cli-").FullName);
    }

    /// <summary>The same on the shared s3rver, which stores aws-chunked bodies verbatim (S3CompatibilityTests).</summary>
    public static async Task<CliHarness> OnS3rverAsync(string label)
    {
        var server = await S3rver.Shared;
        var bucket = await server.CreateBucketAsync(label);
        return new CliHarness(server.Endpoint, server.CreateClient(), bucket, Directory.CreateTempSubdirectory("cli-s3rver-").FullName);
    }

    public string Key(string path) => $"wp-content/uploads/{path}";

    public string Write(string path, byte[] bytes) => WriteFile(Uploads, path, bytes);

    /// <summary>A real image made by libvips' CLI, so variants can be encoded.</summary>
    public string WriteImage(string path, int width = 40, int seed = 0) => WriteVipsImage(Root, Uploads, path, width, seed);

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="path"/> below <paramref name="uploads"/>, folders included.</summary>
    internal static string WriteFile(string uploads, string path, byte[] bytes)
    {
        var full = Path.Combine(uploads, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>A black image from libvips' CLI, made in <paramref name="root"/> and moved into place, so no half-written file is seen.</summary>
    internal static string WriteVipsImage(string root, string uploads, string path, int width, int seed)
    {
        var full = Path.Combine(uploads, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = Path.Combine(root, $"img-{Guid.NewGuid():N}{Path.GetExtension(path)}");
        Run("vips", "black", tmp, (width + seed).ToString(), (width / 2).ToString());
        File.Move(tmp, full, overwrite: true);
        return full;
    }

    /// <summary>A minimal valid PDF; the seed makes contents differ.</summary>
    public static byte[] Pdf(string seed) => System.Text.Encoding.ASCII.GetBytes($"%PDF-1.4\n% {seed}\n%%EOF\n");

    public async Task<(int Exit, ReconcileReport? Report, string Output, string Error)> RunAsync(string command, params string[] extra) =>
        await RunAsync(command, CancellationToken.None, extra);

    public async Task<(int Exit, ReconcileReport? Report, string Output, string Error)> RunAsync(string command, CancellationToken token, params string[] extra)
    {
        File.Delete(ReportPath);
        var args = new List<string> { command };
        if (command != "verify")
        {
            args.Add(Uploads);
        }

        args.AddRange(["--bucket", Bucket, "--endpoint-url", Endpoint, "--report", ReportPath]);
        if (command != "verify")
        {
            args.AddRange(["--state", StatePath]);
        }

        args.AddRange(extra);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApp.RunAsync([.. args], output, error, token);
        var report = File.Exists(ReportPath) ? ReconcileReport.FromJson(await File.ReadAllTextAsync(ReportPath)) : null;
        return (exit, report, output.ToString(), error.ToString());
    }

    public async Task<GetObjectMetadataResponse> HeadAsync(string key) =>
        await S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key });

    /// <summary>Every byte of an object, read back with a plain GET.</summary>
    public async Task<byte[]> ReadAllAsync(string key)
    {
        using var response = await S3.GetObjectAsync(Bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async Task<List<string>> KeysAsync()
    {
        var response = await S3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket });
        return (response.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    public static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {p.StandardError.ReadToEnd()}");
        }
    }

    public ValueTask DisposeAsync()
    {
        S3.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
