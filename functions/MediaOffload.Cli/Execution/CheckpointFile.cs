using MediaOffload.Core.Runs;

namespace MediaOffload.Cli.Execution;

/// <summary>The CLI's checkpoint store: one JSON file, replaced atomically so a kill never leaves it torn.</summary>
internal sealed class CheckpointFile(string path) : ICheckpointStore
{
    public string Path { get; } = path;

    /// <summary>The checkpoint of an unfinished run with the same scope, or null to start afresh.</summary>
    public RunCheckpoint? Load(string scope)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var checkpoint = RunCheckpoint.FromJson(File.ReadAllBytes(Path));
        return checkpoint?.Scope == scope ? checkpoint : null;
    }

    public Task SaveAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var temp = Path + ".tmp";
        File.WriteAllBytes(temp, checkpoint.ToJson());
        File.Move(temp, Path, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(RunCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        File.Delete(Path);
        return Task.CompletedTask;
    }
}
