using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaOffload.Core.Reconcile;

/// <summary>
/// Where an interrupted run stopped. Plans come out in key order, so one key marks all finished work: every item
/// at or before <see cref="After"/> is done. The CLI keeps it in a file; the Lambda side stores the same JSON in
/// the control bucket under <c>checkpoints/{RunId}.json</c>.
/// </summary>
/// <param name="Version">Format version, 1.</param>
/// <param name="RunId">Identifies the run; a resume only accepts a checkpoint with the same <see cref="Scope"/>.</param>
/// <param name="Scope">What the run compares, e.g. <c>s3://bucket/prefix/ &lt;- /var/www/uploads</c>; a different scope starts afresh.</param>
/// <param name="After">The last key whose item and every earlier item finished; null before the first.</param>
/// <param name="Done">Items finished so far, by action name.</param>
/// <param name="Bytes">Bytes moved so far.</param>
/// <param name="Cursor">For manifest sources, the manifest cursor to resume the listing at; null for the CLI.</param>
/// <param name="UpdatedAt">When it was written.</param>
public sealed record Checkpoint(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("runId")] string RunId,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("after")] string? After,
    [property: JsonPropertyName("done")] IReadOnlyDictionary<string, long> Done,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("cursor")] string? Cursor,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAt)
{
    /// <summary>The control-bucket prefix for checkpoints.</summary>
    public const string KeyPrefix = "checkpoints/";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Serialises to UTF-8 JSON.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses a checkpoint, or returns null when the bytes are not one (a torn or foreign file).</summary>
    public static Checkpoint? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var checkpoint = JsonSerializer.Deserialize<Checkpoint>(json, Json);
            return checkpoint is { Version: 1, RunId: not null, Scope: not null, Done: not null } ? checkpoint : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
