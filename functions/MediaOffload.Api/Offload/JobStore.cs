using System.Text.Json;
using MediaOffload.Api.Configuration;
using MediaOffload.Api.Json;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Storage;
using Microsoft.Extensions.Options;

namespace MediaOffload.Api.Offload;

/// <summary>Job objects in the control bucket: the API writes them, and their creation notifies the worker.</summary>
public sealed class JobStore(IObjectStore store, IOptions<OffloadOptions> options)
{
    private readonly string _bucket = options.Value.ControlBucket;

    /// <summary>
    /// Writes the job. A repeated event writes the same bytes to the same key; the worker it wakes finds every file
    /// current and transfers nothing, while a job that failed earlier gets another try.
    /// </summary>
    public Task SaveAsync(OffloadJob job, CancellationToken cancellationToken) =>
        PutJsonAsync(OffloadJob.KeyFor(job.JobId), OffloadJob.ToJson(job), cancellationToken);

    /// <summary>Records what a run of a job did; the last run's outcome replaces the one before (docs/status.md).</summary>
    public Task SaveOutcomeAsync(JobOutcome outcome, CancellationToken cancellationToken) =>
        PutJsonAsync(JobOutcome.KeyFor(outcome.JobId), JsonSerializer.SerializeToUtf8Bytes(outcome, ApiJsonContext.Default.JobOutcome), cancellationToken);

    private async Task PutJsonAsync(string key, byte[] json, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream(json, writable: false);
        var headers = new ObjectHeaders("application/json", "no-store", new Dictionary<string, string>());
        await store.PutAsync(new ObjectWrite(_bucket, key, headers), content, cancellationToken);
    }

    /// <summary>The last recorded outcome of <paramref name="jobId"/>, or null when no run has finished yet.</summary>
    public async Task<JobOutcome?> LoadOutcomeAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(_bucket, JobOutcome.KeyFor(jobId), cancellationToken);
        return stream is null ? null : await JsonSerializer.DeserializeAsync(stream, ApiJsonContext.Default.JobOutcome, cancellationToken);
    }

    /// <summary>The job <paramref name="jobId"/> from the control bucket, or null when there is none.</summary>
    public Task<OffloadJob?> LoadAsync(string jobId, CancellationToken cancellationToken) => LoadAsync(_bucket, OffloadJob.KeyFor(jobId), cancellationToken);

    /// <summary>Reads a job object, or null when it is gone (for example expired by the lifecycle rule).</summary>
    public async Task<OffloadJob?> LoadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(bucket, key, cancellationToken);
        return stream is null ? null : await OffloadJob.FromJsonAsync(stream, cancellationToken);
    }
}
