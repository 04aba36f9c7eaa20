using System.CommandLine;
using MediaOffload.Storage;
using MediaOffload.Core.Runs;
using MediaOffload.Cli.Output;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Reconcile;
using Spectre.Console;

namespace MediaOffload.Cli.Commands;

/// <summary>The command tree. Handlers only read options, validate them and hand over to <see cref="RunPipeline"/>.</summary>
public static class CliApp
{
    /// <summary>Parses and runs; returns the exit code (0 in sync, 1 drift or failures, 2 usage).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = new SharedOptions();
        var root = new RootCommand("Offload WordPress media to S3: sync an uploads folder, reconcile and verify headers.")
        {
            Build("sync", "Upload new and changed files, fix headers, write WebP variants, and (with --delete) remove orphans.", RunMode.Sync, options, output, error),
            Build("reconcile", "Report what sync would do, without changing anything.", RunMode.Reconcile, options, output, error),
            Build("verify", "HEAD every object and audit Cache-Control, Content-Type and metadata.", RunMode.Verify, options, output, error),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'media-offload --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    private static Command Build(string name, string description, RunMode mode, SharedOptions o, TextWriter output, TextWriter error)
    {
        var command = new Command(name, description);
        if (mode != RunMode.Verify)
        {
            command.Arguments.Add(o.UploadsDir);
        }

        foreach (var option in o.For(mode))
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellationToken) => HandleAsync(o.Read(result, mode), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> HandleAsync(Func<RunSettings> read, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        RunSettings settings;
        try
        {
            settings = read().Validate();
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }

        var interactive = !settings.Json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        var live = interactive ? new LiveProgress() : null;
        var pipeline = new RunPipeline(settings, live ?? (IProgressSink)NoProgress.Instance);
        ReconcileReport report;
        try
        {
            report = live is null
                ? await pipeline.RunAsync(cancellationToken)
                : await live.ShowAsync(console, () => pipeline.RunAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync(settings.CheckpointPath is null
                ? "Interrupted."
                : $"Interrupted; run the same command with --checkpoint {settings.CheckpointPath} to resume.");
            return ExitCodes.Drift;
        }
        catch (Exception e) when (S3Errors.IsFatal(e, out var usage))
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return usage ? ExitCodes.Usage : ExitCodes.Drift;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonClientException or Storage.ObjectStoreException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Drift;
        }

        if (settings.ReportPath is not null)
        {
            await File.WriteAllTextAsync(settings.ReportPath, report.ToJson(), cancellationToken);
        }

        if (settings.Json)
        {
            await output.WriteLineAsync(report.ToJson());
        }
        else
        {
            ReportPrinter.Print(console, report);
        }

        return report.InSync ? ExitCodes.InSync : ExitCodes.Drift;
    }

    /// <summary>The options, made once and attached to every command that takes them.</summary>
    private sealed class SharedOptions
    {
        public Argument<string> UploadsDir { get; } = new("uploads-dir") { Description = "The WordPress uploads folder, e.g. /var/www/html/wp-content/uploads." };

        public Option<string> Bucket { get; } = new("--bucket") { Description = "The media bucket.", Required = true };

        public Option<string> Prefix { get; } = new("--prefix") { Description = "Key prefix for media.", DefaultValueFactory = _ => MediaKeys.DefaultPrefix };

        public Option<string?> EndpointUrl { get; } = new("--endpoint-url") { Description = "A local S3 endpoint, as in the AWS CLI (e.g. http://127.0.0.1:5000)." };

        public Option<string?> Region { get; } = new("--region") { Description = "AWS region; default AWS_REGION, else us-east-1." };

        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the plan; change nothing." };

        public Option<bool> Delete { get; } = new("--delete") { Description = "Delete orphans, up to the cap." };

        public Option<bool> Force { get; } = new("--force") { Description = "Lift the delete cap." };

        public Option<int> Concurrency { get; } = new("--concurrency") { Description = "S3 requests in flight.", DefaultValueFactory = _ => 16 };

        public Option<int> EncodeConcurrency { get; } = new("--encode-concurrency") { Description = "Image encodes at once; default the CPU count.", DefaultValueFactory = _ => Environment.ProcessorCount };

        public Option<int> MemoryBudget { get; } = new("--memory-budget") { Description = "MiB the image encodes may take at once; a larger image is skipped with the reason.", DefaultValueFactory = _ => 1024 };

        public Option<bool> Json { get; } = new("--json") { Description = "Print the JSON report instead of tables and progress." };

        public Option<string?> Report { get; } = new("--report") { Description = "Also write the JSON report to this file." };

        public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "Checkpoint file; an interrupted run resumes from it." };

        public Option<string?> State { get; } = new("--state") { Description = "Cache of file MD5s and audited headers; default under ~/.cache/media-offload, 'none' to disable." };

        public Option<bool> NoVariants { get; } = new("--no-variants") { Description = "Do not encode missing or stale WebP variants." };

        public Option<int> MaxDelete { get; } = new("--max-delete") { Description = "Delete cap in objects.", DefaultValueFactory = _ => new DeletionGuard().MaxObjects };

        public Option<double> MaxDeletePercent { get; } = new("--max-delete-percent") { Description = "Delete cap as a share of the bucket.", DefaultValueFactory = _ => new DeletionGuard().MaxFraction * 100 };

        public Option<string?> BatchManifest { get; } = new("--batch-manifest") { Description = "Write an S3 Batch Operations CSV (bucket,key) of the header fixes." };

        public IEnumerable<Option> For(RunMode mode) => mode switch
        {
            RunMode.Sync => [Bucket, Prefix, EndpointUrl, Region, DryRun, Delete, Force, Concurrency, EncodeConcurrency, MemoryBudget, Json, Report, Checkpoint, State, NoVariants, MaxDelete, MaxDeletePercent],
            RunMode.Reconcile => [Bucket, Prefix, EndpointUrl, Region, Concurrency, Json, Report, State, BatchManifest],
            _ => [Bucket, Prefix, EndpointUrl, Region, Concurrency, Json, Report],
        };

        public Func<RunSettings> Read(ParseResult r, RunMode mode) => () => new RunSettings(
            mode,
            mode == RunMode.Verify ? null : r.GetValue(UploadsDir),
            r.GetValue(Bucket)!,
            (r.GetValue(Prefix) ?? MediaKeys.DefaultPrefix).Trim('/'),
            r.GetValue(EndpointUrl),
            r.GetValue(Region),
            mode == RunMode.Sync && r.GetValue(DryRun),
            mode == RunMode.Sync && r.GetValue(Delete),
            mode == RunMode.Sync && r.GetValue(Force),
            r.GetValue(Concurrency),
            r.GetValue(Json),
            r.GetValue(Report),
            mode == RunMode.Sync ? r.GetValue(Checkpoint) : null,
            mode == RunMode.Verify ? null : r.GetValue(State),
            mode == RunMode.Sync ? !r.GetValue(NoVariants) : true,
            r.GetValue(MaxDelete),
            r.GetValue(MaxDeletePercent) / 100,
            mode == RunMode.Reconcile ? r.GetValue(BatchManifest) : null,
            mode == RunMode.Sync ? r.GetValue(EncodeConcurrency) : Environment.ProcessorCount,
            mode == RunMode.Sync ? r.GetValue(MemoryBudget) : 1024);
    }
}
