using System.Diagnostics;
using MediaOffload.Core.Runs;
using MediaOffload.Core.Reconcile;
using Spectre.Console;

namespace MediaOffload.Cli.Output;

/// <summary>
/// Files/s, MB/s and ETA while a run goes. The plan streams, so totals grow until planning ends; the ETA is the
/// bytes still planned over the byte rate so far.
/// </summary>
internal sealed class LiveProgress : IProgressSink
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
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
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
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
                task.StopTask();
                return await run;
            });
    }

    private void Update(ProgressTask task)
    {
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var files = Interlocked.Read(ref _doneFiles);
        var bytes = Interlocked.Read(ref _doneBytes);
        var plannedBytes = Interlocked.Read(ref _plannedBytes);
        var byteRate = bytes / seconds;
        var eta = byteRate > 0 ? TimeSpan.FromSeconds((plannedBytes - bytes) / byteRate) : (TimeSpan?)null;
        task.MaxValue = Math.Max(1, Interlocked.Read(ref _plannedFiles));
        task.Value = files;
        task.Description = $"{Interlocked.Read(ref _seen)} checked, {files}/{Interlocked.Read(ref _plannedFiles)} done, "
            + $"{files / seconds:F0} files/s, {byteRate / 1e6:F1} MB/s, ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss") : "--:--:--")}"
            + (_failed > 0 ? $", [red]{_failed} failed[/]" : string.Empty);
    }
}
