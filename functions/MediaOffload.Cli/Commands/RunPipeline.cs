using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using MediaOffload.Cli.Bucket;
using MediaOffload.Cli.Execution;
using MediaOffload.Cli.Sources;
using MediaOffload.Cli.State;
using MediaOffload.Core.Media;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using MediaOffload.Core.Storage;
using MediaOffload.Core.Variants;
using MediaOffload.Imaging;
using MediaOffload.Storage;

namespace MediaOffload.Cli.Commands;

/// <summary>Wires the walk, the listing, the planner and the executor for one command; everything here is glue.</summary>
internal sealed class RunPipeline(RunSettings settings, IProgressSink progress)
{
    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var planner = new PlannerOptions { Keys = new MediaKeys(settings.Prefix), Policy = new CachePolicy() };
        var counter = new RequestCounter();
        using var s3 = CreateClient();
        var storeOptions = new S3StoreOptions();
        var store = new CountingObjectStore(new S3ObjectStore(s3, storeOptions), counter);
        var state = settings.Mode == RunMode.Verify ? SyncState.None : await SyncState.LoadAsync(settings.ResolveStatePath(), cancellationToken);
        try
        {
            return settings.Mode == RunMode.Verify
                ? await VerifyAsync(s3, store, counter, planner, started, cancellationToken)
                : await PlanAndRunAsync(s3, store, counter, state, planner, started, cancellationToken);
        }
        finally
        {
            await state.SaveAsync(CancellationToken.None);
        }
    }

    private async Task<ReconcileReport> PlanAndRunAsync(IAmazonS3 s3, IObjectStore store, RequestCounter counter, SyncState state, PlannerOptions planner, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var execute = settings.Mode == RunMode.Sync && !settings.DryRun;
        var checkpointFile = execute && settings.CheckpointPath is not null ? new CheckpointFile(settings.CheckpointPath) : null;
        var checkpoint = checkpointFile?.Load(settings.Scope);
        planner = planner with { ResumeAfter = checkpoint?.After };

        var files = new LocalFiles(settings.UploadsDir!);
        var sources = new LocalUploadsSource(files, state, planner, Math.Min(settings.Concurrency, Environment.ProcessorCount * 2)).ReadAsync(cancellationToken);
        var listing = new RangeLister(s3, counter).ListAsync(settings.Bucket, planner.ListPrefix, Boundaries(files.Root, planner), settings.Concurrency, cancellationToken);
        var audited = new HeaderAuditor(store, state, all: false, settings.Concurrency).AuditAsync(listing, cancellationToken);
        var plan = new ReconcilePlanner(planner).PlanAsync(sources, audited, cancellationToken);

        var steps = new List<PlannedStep>();
        TextWriter? manifest = settings.BatchManifestPath is null ? null : new StreamWriter(settings.BatchManifestPath);
        void OnDrift(PlanItem item)
        {
            if (!execute)
            {
                steps.Add(new PlannedStep(item.Action.ToString(), item.Key, item.Reason));
            }

            if (manifest is not null && item.Action == PlanAction.FixHeaders)
            {
                manifest.Write(BatchOperationsManifest.Line(settings.Bucket, item.Key));
            }
        }

        var runner = new StepRunner(store, settings.Bucket, files, planner, state, new Lazy<IVariantEncoder>(() => new LibvipsVariantEncoder(new VariantOptions())),
            new MemoryBudget(settings.MemoryBudgetMiB * 1024L * 1024), settings.EncodeConcurrency);
        var execution = new ExecutionSettings(settings.Bucket, !execute, settings.Delete, settings.Force, settings.Concurrency,
            new DeletionGuard(settings.MaxDelete, settings.MaxDeleteFraction), settings.Variants, checkpointFile?.Path, TimeSpan.FromSeconds(1));
        ExecutionResult result;
        try
        {
            result = await new PlanExecutor(runner, execution, progress, OnDrift).RunAsync(plan, settings.Scope, checkpoint, cancellationToken);
        }
        finally
        {
            if (manifest is not null)
            {
                await manifest.DisposeAsync();
            }
        }

        return new ReconcileReport
        {
            Command = settings.Mode.ToString().ToLowerInvariant(),
            Bucket = settings.Bucket,
            Prefix = planner.ListPrefix,
            Source = files.Root,
            DryRun = !execute,
            ResumedAfter = checkpoint?.After,
            StartedAt = started,
            FinishedAt = DateTimeOffset.UtcNow,
            Planned = result.Planned.ToDictionary(),
            Done = result.Done,
            BytesPlanned = Enum.GetValues<PlanAction>().Sum(result.Planned.Bytes),
            BytesDone = result.BytesDone,
            Requests = counter.ToDictionary(),
            DeleteRefused = result.DeleteRefused,
            Failures = result.Failures,
            Skipped = result.Skipped,
            Drift = result.DriftLeft,
            Plan = execute ? null : steps,
        };
    }

    private async Task<ReconcileReport> VerifyAsync(IAmazonS3 s3, IObjectStore store, RequestCounter counter, PlannerOptions planner, DateTimeOffset started, CancellationToken cancellationToken)
    {
        var listing = new RangeLister(s3, counter).ListAsync(settings.Bucket, planner.ListPrefix, [], settings.Concurrency, cancellationToken);
        var audited = new HeaderAuditor(store, SyncState.None, all: true, settings.Concurrency).AuditAsync(listing, cancellationToken);
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
            Bucket = settings.Bucket,
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

    private IAmazonS3 CreateClient()
    {
        var options = new S3StoreOptions { ServiceUrl = settings.EndpointUrl };
        if (settings.Region is not null)
        {
            options.Region = settings.Region;
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
