using System.CommandLine;

namespace MediaOffload.Cli.Commands;

/// <summary>How a command reports: tables and progress, or JSON; and an optional report file.</summary>
/// <param name="Json">Print the JSON report instead of tables and progress. Default false.</param>
/// <param name="ReportPath">Also write the JSON report to this file. Default none.</param>
internal sealed record OutputOptions(bool Json, string? ReportPath)
{
    internal sealed class Definition
    {
        public Option<bool> Json { get; } = new("--json") { Description = "Print the JSON report instead of tables and progress." };

        public Option<string?> Report { get; } = new Option<string?>("--report") { Description = "Also write the JSON report to this file." }.WritableFile();

        public void AddTo(Command command)
        {
            command.Options.Add(Json);
            command.Options.Add(Report);
        }

        public OutputOptions Read(ParseResult r) => new(r.GetValue(Json), r.GetValue(Report));
    }
}
