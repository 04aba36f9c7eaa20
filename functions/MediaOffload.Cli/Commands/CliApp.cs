using System.CommandLine;
using MediaOffload.Storage;
using MediaOffload.Core.Runs;
using MediaOffload.Cli.Output;
using MediaOffload.Core.Reconcile;
using Spectre.Console;

namespace MediaOffload.Cli.Commands;

/// <summary>The command tree. Handlers only read options, validate them and hand over to <see cref="RunPipeline"/>.</summary>
public static class CliApp
{
    /// <summary>What the exit code says; every command's help ends with it (docs/reconcile.md).</summary>
    internal const string ExitCodesHelp =
        "Exit codes: 0 in sync; 1 drift or new failures remain; 2 usage error.";

    /// <summary>The rule behind exit code 1 for files that can never be processed; <c>sync</c>'s help states it.</summary>
    internal const string RejectedFilesHelp =
        "A file that can never be processed (a pixel bomb, a truncated image, a refused type) fails the run the first time it is seen, "
        + "and is then remembered in the state file with its reason: later runs list it under skipped and do not fail because of it, until the file changes.";

    /// <summary>Parses and runs; returns the exit code (<see cref="ExitCodes"/>: 0 in sync, 1 drift or failures, 2 usage).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand($"Offload WordPress media to S3: sync an uploads folder, reconcile and verify headers.\n{ExitCodesHelp}")
        {
            Build("sync", $"Upload new and changed files, fix headers, write AVIF and WebP variants, and (with --delete) remove orphans.\n{ExitCodesHelp}\n{RejectedFilesHelp}",
                new SyncOptions.Definition(), output, error),
            Build("reconcile", $"Report what sync would do, without changing anything.\n{ExitCodesHelp}",
                new ReconcileOptions.Definition(), output, error),
            Build("verify", $"HEAD every object and audit Cache-Control, Content-Type and metadata.\n{ExitCodesHelp}",
                new VerifyOptions.Definition(), output, error),
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

    private static Command Build(string name, string description, ICommandDefinition definition, TextWriter output, TextWriter error)
    {
        var command = new Command(name, description);
        definition.AddTo(command);
        command.SetAction((result, cancellationToken) => HandleAsync(definition.Read(result), output, error, cancellationToken));
        return command;
    }

    private static async Task<int> HandleAsync(IRunOptions settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var interactive = !settings.Output.Json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
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

        if (settings.Output.ReportPath is not null)
        {
            await File.WriteAllTextAsync(settings.Output.ReportPath, report.ToJson(), cancellationToken);
        }

        if (settings.Output.Json)
        {
            await output.WriteLineAsync(report.ToJson());
        }
        else
        {
            ReportPrinter.Print(console, report);
        }

        return report.InSync ? ExitCodes.InSync : ExitCodes.Drift;
    }
}
