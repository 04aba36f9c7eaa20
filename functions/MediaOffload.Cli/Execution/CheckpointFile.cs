using MediaOffload.Core.Reconcile;

namespace MediaOffload.Cli.Execution;

/// <summary>The CLI's checkpoint store: one JSON file, replaced atomically so a kill never leaves it torn.</summary>
internal sealed class CheckpointFile(string path)
{
    public string Path { get; } = path;

    /// <summary>The checkpoint of an unfinished run with the same scope, or null to start afresh.</summary>
    public Checkpoint? Load(string scope)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var checkpoint = Checkpoint.FromJson(File.ReadAllBytes(Path));
        return checkpoint?.Scope == scope ? checkpoint : null;
    }

    public void Save(Checkpoint checkpoint)
    {
        var temp = Path + ".tmp";
        File.WriteAllBytes(temp, checkpoint.ToJson());
        File.Move(temp, Path, overwrite: true);
    }

    public void Delete() => File.Delete(Path);
}
