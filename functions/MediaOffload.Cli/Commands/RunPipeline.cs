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
internal sealed class RunPipeline(RunSettings settings, IProgressSink progress)
{
    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken)
    {
        var planner = new PlannerOptions { Keys = new MediaKeys(settings.Prefix), Policy = new CachePolicy() };
        var counter = new RequestCounter();
        using var s3 = CreateClient();
        var store = new S3ObjectStore(s3, new S3StoreOptions(), counter);
        if (settings.Mode == RunMode.Verify)
        {
            return await VerifyAsync(store, counter, planner, cancellationToken);
        }

        var statePath = settings.ResolveStatePath();
        var state = await StateFile.LoadAsync(statePath, cancellationToken);
        try
        {
            return await PlanAndRunAsync(store, counter, state, planner, cancellationToken);
        }
        finally
        {
            await StateFile.SaveAsync(state, statePath, CancellationToken.None);
        }
    }

    private async Task<ReconcileReport> PlanAndRunAsync(IObjectStore store, RequestCounter counter, SyncState state, PlannerOptions planner, CancellationToken cancellationToken)
    {
        var execute = settings.Mode == RunMode.Sync && !settings.DryRun;
        var checkpointFile = execute && settings.CheckpointPath is not null ? new CheckpointFile(settings.CheckpointPath) : null;
        var command = settings.Mode.ToString().ToLowerInvariant();
        var start = checkpointFile?.Load(settings.Scope)
            ?? RunCheckpoint.Start(new ReconcileRequest(command, null, !execute, settings.Delete, settings.Force), settings.Scope, DateTimeOffset.UtcNow);
        planner = planner with { Resume = start.Resume };

        var files = new LocalFiles(settings.UploadsDir!);
        var sources = new LocalUploadsSource(files, state, planner, Math.Min(settings.Concurrency, Environment.ProcessorCount * 2)).ReadAsync(cancellationToken);
        var listing = store.ListAsync(settings.Bucket, planner.ListPrefix, new Listing(start.After, Boundaries(files.Root, planner), settings.Concurrency), cancellationToken);
        var audited = new HeaderAuditor(store, state, all: false, settings.Concurrency).AuditAsync(listing, cancellationToken);

        TextWriter? manifest = settings.BatchManifestPath is null ? null : new StreamWriter(settings.BatchManifestPath);
        void OnDrift(PlanItem item)
        {
            if (manifest is not null && item.Action == PlanAction.FixHeaders)
            {
                manifest.Write(BatchOperationsManifest.Line(settings.Bucket, item.Key));
            }
        }

        var steps = new StepRunner(store, settings.Bucket, files, planner, state, new Lazy<IVariantEncoder>(() => new LibvipsVariantEncoder(new VariantOptions())),
            new MemoryBudget(settings.MemoryBudgetMiB * 1024L * 1024), settings.EncodeConcurrency);
        var options = new RunOptions
        {
            DryRun = !execute,
            Delete = settings.Delete,
            Force = settings.Force,
            Guard = new DeletionGuard(settings.MaxDelete, settings.MaxDeleteFraction),
            Variants = settings.Variants,
            Parallelism = settings.Concurrency,
            CheckpointEvery = checkpointFile is null ? null : TimeSpan.FromSeconds(1),
        };
        RunOutcome outcome;
        try
        {
            outcome = await new PlanRunner(steps, options, TimeProvider.System, progress, OnDrift).RunAsync(
                new PlanInputs(new ReconcilePlanner(planner), sources, audited), start, checkpointFile, counter,
                new ReportLabels(command, settings.Bucket, planner.ListPrefix, files.Root), cancellationToken);
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
        var started = DateTimeOffset.UtcNow;
        var listing = store.ListAsync(settings.Bucket, planner.ListPrefix, new Listing(Parallelism: settings.Concurrency), cancellationToken);
        var audited = new HeaderAuditor(store, SyncState.Empty(), all: true, settings.Concurrency).AuditAsync(listing, cancellationToken);
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
