using MediaOffload.Core.Reconcile;

namespace MediaOffload.Core.Runs;

/// <summary>Receives what a run planned and finished, for a live progress view.</summary>
public interface IProgressSink
{
    void Planned(PlanItem item);

    void Finished(PlanItem item, bool succeeded);
}

/// <summary>Progress nobody watches.</summary>
public sealed class NoProgress : IProgressSink
{
    public static NoProgress Instance { get; } = new();

    public void Planned(PlanItem item)
    {
    }

    public void Finished(PlanItem item, bool succeeded)
    {
    }
}
