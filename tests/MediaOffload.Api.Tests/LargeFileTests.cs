using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MediaOffload.Api.Http;
using MediaOffload.Api.Offload;
using Xunit.Abstractions;

namespace MediaOffload.Api.Tests;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>Runs alone, so the process's peak RSS reflects this transfer only.</summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class LargeFileTests(ITestOutputHelper output)
{
    private const long FileSize = 200L * 1024 * 1024;

    [Fact]
    public async Task Offload_200MegabyteFile_StreamsWithFlatMemory()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mo-large-{Guid.NewGuid():N}.mp4");
        try
        {
            var md5 = await WriteMp4LikeFileAsync(file);
            await using var host = await ServiceHost.StartAsync();
            host.Origin.ServeFile("2024/11/video.mp4", file);
            var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new
            {
                type = "attachment.uploaded", site = host.Origin.BaseUrl, attachmentId = 99,
                files = new[] { new { path = "2024/11/video.mp4", url = host.Origin.UrlFor("2024/11/video.mp4"), size = FileSize, md5, mime = "video/mp4" } },
            });
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var baseline = ResetPeakRss();

            var response = await host.PostSignedAsync("/v1/events", body);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var accepted = await response.Content.ReadFromJsonAsync<EventAccepted>();
            var delivery = await host.Notifier.WaitForAsync(d => d.Key == $"jobs/{accepted!.JobId}.json", TimeSpan.FromMinutes(5));
            var peak = PeakRss();

            var outcome = delivery.Response.Records.Single().Files!.Single();
            Assert.True(outcome.Status == FileStatus.Uploaded, outcome.Reason);
            var head = await host.S3.GetObjectMetadataAsync(host.MediaBucket, "wp-content/uploads/2024/11/video.mp4");
            Assert.Equal(FileSize, head.ContentLength);
            Assert.Equal(md5, head.Metadata["x-amz-meta-source-md5"]);
            var growthMb = (peak - baseline) / 1024.0 / 1024.0;
            output.WriteLine($"peak RSS {peak / 1048576.0:F0} MiB, baseline {baseline / 1048576.0:F0} MiB, growth {growthMb:F0} MiB for a {FileSize / 1048576} MiB file");
            // Buffering the file would grow RSS by at least its size; streaming costs a few parts in flight.
            Assert.True(growthMb < 120, $"peak RSS grew by {growthMb:F0} MiB while offloading {FileSize / 1048576} MiB");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<string> WriteMp4LikeFileAsync(string path)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        await using var stream = File.Create(path);
        var chunk = new byte[1024 * 1024];
        var random = new Random(200);
        for (long written = 0; written < FileSize; written += chunk.Length)
        {
            random.NextBytes(chunk);
            if (written == 0)
            {
                // An ISO media box header: size, "ftyp", brand "isom".
                new byte[] { 0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m' }.CopyTo(chunk, 0);
            }

            md5.AppendData(chunk);
            await stream.WriteAsync(chunk);
        }

        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }

    /// <summary>Resets the kernel's RSS high-water mark (VmHWM) and returns the current RSS.</summary>
    private static long ResetPeakRss()
    {
        File.WriteAllText("/proc/self/clear_refs", "5");
        return ReadStatus("VmRSS:");
    }

    private static long PeakRss() => ReadStatus("VmHWM:");

    private static long ReadStatus(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024;
    }
}
