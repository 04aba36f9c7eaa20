using MediaOffload.Core.Reconcile;
using Spectre.Console;

namespace MediaOffload.Cli.Output;

/// <summary>The human summary of a report: plan (for dry runs), counts, failures and skips.</summary>
internal static class ReportPrinter
{
    public static void Print(IAnsiConsole console, ReconcileReport report)
    {
        if (report.Plan is { Count: > 0 } plan)
        {
            var steps = new Table().AddColumns("Action", "Key", "Reason").Border(TableBorder.Simple);
            foreach (var step in plan)
            {
                steps.AddRow(Markup.Escape(step.Action), Markup.Escape(step.Key), Markup.Escape(step.Reason));
            }

            console.Write(steps);
        }

        var counts = new Table().AddColumns("", "Planned", "Done").Border(TableBorder.Rounded);
        foreach (var (action, planned) in report.Planned)
        {
            counts.AddRow(action, planned.ToString(), report.Done.TryGetValue(action, out var d) ? d.ToString() : "-");
        }

        console.Write(counts);
        console.MarkupLine($"Bytes: {report.BytesDone:N0} of {report.BytesPlanned:N0}; requests: {Markup.Escape(string.Join(", ", report.Requests.Select(r => $"{r.Key} {r.Value}")))}");
        if (report.ResumedAfter is not null)
        {
            console.MarkupLine($"Resumed after [blue]{Markup.Escape(report.ResumedAfter)}[/]");
        }

        foreach (var skip in report.Skipped)
        {
            console.MarkupLine($"[yellow]skipped[/] {Markup.Escape(skip.Key)}: {Markup.Escape(skip.Reason)}");
        }

        foreach (var failure in report.Failures)
        {
            console.MarkupLine($"[red]failed[/] {Markup.Escape(failure.Action)} {Markup.Escape(failure.Key)}: {Markup.Escape(failure.Reason)}");
        }

        if (report.DeleteRefused is not null)
        {
            console.MarkupLine($"[red]{Markup.Escape(report.DeleteRefused)}[/]");
        }

        console.MarkupLine(report.InSync ? "[green]In sync.[/]" : $"[yellow]{report.Drift} change(s) and {report.Failures.Count} failure(s) remain.[/]");
    }
}
