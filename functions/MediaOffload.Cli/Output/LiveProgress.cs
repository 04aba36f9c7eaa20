using MediaOffload.Core.Runs;
using MediaOffload.Core.Reconcile;
using Spectre.Console;

namespace MediaOffload.Cli.Output;

/// <summary>
/// A live progress bar while a run goes: files checked and done in the description, and the bytes moved as the task's
/// value, so Spectre.Console's own columns show the transfer speed and the time left. The plan streams, so the
/// totals grow until planning ends, and the time left with them.
/// </summary>
internal sealed class LiveProgress : IProgressSink
{
    private long _plannedFiles;
    private long _plannedBytes;
    private long _doneFiles;
    private long _doneBytes;
    private long _failed;
    private long _seen;

    public void Planned(PlanItem item)
    {
        Interlocked.Increment(ref _seen);
        if (item.IsDrift)
        {
            Interlocked.Increment(ref _plannedFiles);
            Interlocked.Add(ref _plannedBytes, item.Bytes);
        }
    }

    public void Finished(PlanItem item, bool succeeded)
    {
        Interlocked.Increment(ref _doneFiles);
        Interlocked.Add(ref _doneBytes, item.Bytes);
        if (!succeeded)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <summary>Runs <paramref name="work"/> under a live progress bar on <paramref name="console"/>.</summary>
    public async Task<T> ShowAsync<T>(IAnsiConsole console, Func<Task<T>> work)
    {
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn(),
                new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("planning", maxValue: 1);
                var run = work();
                while (!run.IsCompleted)
                {
                    Update(task);
                    await Task.WhenAny(run, Task.Delay(250));
                }

                Update(task);
                // A run of header fixes moves no bytes; it still ends at 100 %.
                task.Value = task.MaxValue;
                task.StopTask();
                return await run;
            });
    }

    private void Update(ProgressTask task)
    {
        var planned = Interlocked.Read(ref _plannedFiles);
        var failed = Interlocked.Read(ref _failed);
        task.MaxValue = Math.Max(1, Interlocked.Read(ref _plannedBytes));
        task.Value = Interlocked.Read(ref _doneBytes);
        task.Description = $"{Interlocked.Read(ref _seen)} checked, {Interlocked.Read(ref _doneFiles)}/{planned} done"
            + (failed > 0 ? $", [red]{failed} failed[/]" : string.Empty);
    }
}
