using System.Globalization;
using System.Text.Json;

namespace MediaOffload.Api.Http;

/// <summary>Where a JSON body went wrong, in words a response may carry (never the exception's own message).</summary>
internal static class JsonProblem
{
    public static string Where(JsonException e) =>
        e.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"at line {line + 1}, byte {e.BytePositionInLine + 1}{(string.IsNullOrEmpty(e.Path) ? "" : $", {e.Path}")}")
            : "not valid JSON";
}
