using MediaOffload.Core.Runs;

namespace MediaOffload.Cli.State;

/// <summary>Keeps the CLI's <see cref="SyncState"/> in a file, replaced atomically; written back only when it changed.</summary>
internal static class StateFile
{
    public static async Task<SyncState> LoadAsync(string? path, CancellationToken cancellationToken)
    {
        if (path is null || !File.Exists(path))
        {
            return SyncState.Empty();
        }

        await using var stream = File.OpenRead(path);
        return await SyncState.ReadAsync(stream, cancellationToken);
    }

    public static async Task SaveAsync(SyncState state, string? path, CancellationToken cancellationToken)
    {
        if (path is null || !state.Changed)
        {
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await state.WriteAsync(stream, cancellationToken);
        }

        File.Move(temp, path, overwrite: true);
    }
}
