using MediaOffload.Core.Reconcile;

namespace MediaOffload.Cli.Execution;

/// <summary>Receives what a run planned and finished, for the live progress view.</summary>
internal interface IProgressSink
{
    void Planned(PlanItem item);

    void Finished(PlanItem item, bool succeeded);
}

internal sealed class NoProgress : IProgressSink
{
    public static NoProgress Instance { get; } = new();

    public void Planned(PlanItem item)
    {
    }

    public void Finished(PlanItem item, bool succeeded)
    {
    }
}
