using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using MediaOffload.Cli.Execution;
using MediaOffload.Cli.Sources;
using MediaOffload.Cli.State;
using MediaOffload.Core.Media;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using MediaOffload.Imaging;
using MediaOffload.Storage;

namespace MediaOffload.Cli.Commands;

/// <summary>Wires the walk, the listing, the planner and the executor for one command; everything here is glue.</summary>
internal sealed class RunPipeline(IRunOptions options, IProgressSink progress)
{
    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken)
    {
        var bucket = options.Bucket;
        var planner = new PlannerOptions { Keys = new MediaKeys(bucket.Prefix), Policy = bucket.Policy, VariantFormats = bucket.VariantFormats };
        var counter = new RequestCounter();
        using var s3 = CreateClient(bucket);
        var store = new S3ObjectStore(s3, new S3StoreOptions(), counter);
        var (source, sync, batchManifest) = options switch
        {
            SyncOptions s => (s.Source, s, null),
            ReconcileOptions r => (r.Source, (SyncOptions?)null, r.BatchManifestPath),
            _ => ((SourceOptions?)null, (SyncOptions?)null, (string?)null),
        };
        if (source is null)
        {
            return await VerifyAsync(store, counter, planner, cancellationToken);
        }

        var statePath = source.ResolveStatePath(bucket);
        var state = await StateFile.LoadAsync(statePath, cancellationToken);
        try
        {
            return await PlanAndRunAsync(store, counter, state, planner, source, sync, batchManifest, cancellationToken);
        }
        finally
        {
            await StateFile.SaveAsync(state, statePath, CancellationToken.None);
        }
    }

    /// <summary><c>sync</c> when <paramref name="sync"/> is given, else <c>reconcile</c>: the same plan, reported only.</summary>
    private async Task<ReconcileReport> PlanAndRunAsync(
        IObjectStore store, RequestCounter counter, SyncState state, PlannerOptions planner, SourceOptions source, SyncOptions? sync, string? batchManifest,
        CancellationToken cancellationToken)
    {
        var bucket = options.Bucket;
        var scope = source.ScopeWith(bucket);
        var execute = sync is { DryRun: false };
        var delete = sync?.Delete ?? DeleteOptions.None;
        var checkpointFile = execute && sync!.CheckpointPath is not null ? new CheckpointFile(sync.CheckpointPath) : null;
        var command = sync is null ? "reconcile" : "sync";
        var start = checkpointFile?.Load(scope)
            ?? RunCheckpoint.Start(new ReconcileRequest(command, null, !execute, delete.Delete, delete.Force), scope, DateTimeOffset.UtcNow);
        planner = planner with { Resume = start.Resume };

        var files = new LocalFiles(source.UploadsDir);
        var sources = new LocalUploadsSource(files, state, planner, Math.Min(bucket.Concurrency, Environment.ProcessorCount * 2)).ReadAsync(cancellationToken);
        var listing = store.ListAsync(bucket.Bucket, planner.ListPrefix, new Listing(start.After, Boundaries(files.Root, planner), bucket.Concurrency), cancellationToken);
        var audited = new HeaderAuditor(store, state, all: false, bucket.Concurrency).AuditAsync(listing, cancellationToken);

        TextWriter? manifest = batchManifest is null ? null : new StreamWriter(batchManifest);
        void OnDrift(PlanItem item)
        {
            if (manifest is not null && item.Action == PlanAction.FixHeaders)
            {
                manifest.Write(BatchOperationsManifest.Line(bucket.Bucket, item.Key));
            }
        }

        // Reconcile never encodes; the defaults only size what would not be used.
        var encodes = sync?.EncodeConcurrency ?? Environment.ProcessorCount;
        var budgetMiB = sync?.MemoryBudgetMiB ?? 1024;
        var steps = new StepRunner(store, bucket.Bucket, files, planner, state, new Lazy<IVariantEncoder>(() => new LibvipsVariantEncoder(new VariantOptions { Formats = string.Join(',', bucket.VariantFormats.Select(f => f.Name())) })),
            new MemoryBudget(budgetMiB * 1024L * 1024), encodes);
        var run = new RunOptions
        {
            DryRun = !execute,
            Delete = delete.Delete,
            Force = delete.Force,
            Guard = delete.Guard,
            Variants = sync?.Variants ?? true,
            Parallelism = bucket.Concurrency,
            CheckpointEvery = checkpointFile is null ? null : TimeSpan.FromSeconds(1),
        };
        RunOutcome outcome;
        try
        {
            outcome = await new PlanRunner(steps, run, TimeProvider.System, progress, OnDrift).RunAsync(
                new PlanInputs(new ReconcilePlanner(planner), sources, audited), start, checkpointFile, counter,
                new ReportLabels(command, bucket.Bucket, planner.ListPrefix, files.Root), cancellationToken);
        }
        finally
        {
            if (manifest is not null)
            {
                await manifest.DisposeAsync();
            }
        }

        return outcome.Report! with { ResumedAfter = start.After };
    }

    private async Task<ReconcileReport> VerifyAsync(IObjectStore store, RequestCounter counter, PlannerOptions planner, CancellationToken cancellationToken)
    {
        var bucket = options.Bucket;
        var started = DateTimeOffset.UtcNow;
        var listing = store.ListAsync(bucket.Bucket, planner.ListPrefix, new Listing(Parallelism: bucket.Concurrency), cancellationToken);
        var audited = new HeaderAuditor(store, SyncState.Empty(), all: true, bucket.Concurrency).AuditAsync(listing, cancellationToken);
        var problems = new List<PlannedStep>();
        long objects = 0;
        await foreach (var obj in audited)
        {
            objects++;
            var problem = obj.Headers is null ? "vanished during the audit" : ObjectAudit.Check(obj, planner.Policy);
            if (problem is not null)
            {
                problems.Add(new PlannedStep(PlanAction.FixHeaders.ToString(), obj.Key, problem));
            }

            progress.Planned(new PlanItem(PlanAction.Skip, obj.Key, string.Empty, Object: obj));
        }

        return new ReconcileReport
        {
            Command = "verify",
            Bucket = bucket.Bucket,
            Prefix = planner.ListPrefix,
            DryRun = true,
            StartedAt = started,
            FinishedAt = DateTimeOffset.UtcNow,
            Planned = new Dictionary<string, long> { ["Audited"] = objects, ["Wrong"] = problems.Count },
            Done = new Dictionary<string, long>(),
            Requests = counter.ToDictionary(),
            Failures = [],
            Skipped = [],
            Drift = problems.Count,
            Plan = problems,
        };
    }

    /// <summary>Local files per listing range: about ten pages of 1,000 keys once variants are counted.</summary>
    internal const int FilesPerRange = 5_000;

    /// <summary>
    /// Range cuts at the <c>yyyy/mm/</c> folders of the local tree (WordPress's layout), placed so each range
    /// holds about <see cref="FilesPerRange"/> local files. A small library gets one range: a ranged call costs
    /// a round trip, and S3-compatible servers (moto among them) scan the whole bucket per call.
    /// </summary>
    private static List<string> Boundaries(string root, PlannerOptions planner)
    {
        var cuts = new List<string>();
        var folders = new List<(string Key, int Files)>();
        foreach (var year in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(year);
            folders.Add((planner.KeyFor(name) + "/", Directory.EnumerateFiles(year, "*", SearchOption.TopDirectoryOnly).Count()));
            foreach (var month in Directory.EnumerateDirectories(year).Order(StringComparer.Ordinal))
            {
                folders.Add((planner.KeyFor($"{name}/{Path.GetFileName(month)}") + "/", Directory.EnumerateFiles(month, "*", SearchOption.AllDirectories).Count()));
            }
        }

        var sinceCut = 0;
        foreach (var (key, files) in folders.OrderBy(f => f.Key, KeyOrder.Utf8))
        {
            if (sinceCut >= FilesPerRange)
            {
                cuts.Add(key);
                sinceCut = 0;
            }

            sinceCut += files;
        }

        return cuts;
    }

    private static IAmazonS3 CreateClient(BucketOptions bucket)
    {
        var options = new S3StoreOptions { ServiceUrl = bucket.EndpointUrl };
        if (bucket.Region is not null)
        {
            options.Region = bucket.Region;
        }

        // Like the AWS CLI, --endpoint-url still takes credentials from the environment and profile chain.
        AWSCredentials? credentials = null;
        if (options.IsLocal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")))
        {
            try
            {
                credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();
            }
            catch (AmazonClientException)
            {
                // None configured: the factory falls back to placeholder keys, which an emulator accepts.
            }
        }

        return S3ClientFactory.Create(options, credentials);
    }
}
