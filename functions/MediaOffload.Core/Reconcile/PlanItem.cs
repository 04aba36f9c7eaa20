using MediaOffload.Core.Storage;

namespace MediaOffload.Core.Reconcile;

/// <summary>One step of a plan. Items come out in <see cref="KeyOrder.Utf8"/> order of <see cref="Key"/>.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Key">The bucket key acted on (the variant key for <see cref="PlanAction.GenerateVariant"/>).</param>
/// <param name="Reason">Why, in words an operator can act on.</param>
/// <param name="Source">The source file, when there is one.</param>
/// <param name="Object">The object as listed (with headers when audited), when there is one.</param>
/// <param name="Headers">The headers to write for <see cref="PlanAction.Upload"/>, <see cref="PlanAction.Replace"/> and <see cref="PlanAction.FixHeaders"/>.</param>
/// <param name="SourceKey">For <see cref="PlanAction.GenerateVariant"/>, the key of the source image.</param>
/// <param name="SourceETag">For <see cref="PlanAction.GenerateVariant"/>, the source object's ETag when the plan leaves its bytes alone; null when the source is being (re)uploaded and its new ETag comes from that write.</param>
public sealed record PlanItem(
    PlanAction Action,
    string Key,
    string Reason,
    SourceEntry? Source = null,
    StoredObject? Object = null,
    ObjectHeaders? Headers = null,
    string? SourceKey = null,
    string? SourceETag = null)
{
    /// <summary>
    /// A skip the report lists, with its reason: a file that may not be offloaded, a contested or reserved key, or a
    /// foreign object at a variant key. Everything these name is left alone.
    /// </summary>
    public bool Reported { get; init; }

    /// <summary>
    /// For an item at a variant key, the planner's record of the variant it came from: a run cut short before the
    /// item finished keeps it in its checkpoint, since a resumed plan does not read the source again.
    /// </summary>
    public PendingVariant? Variant { get; init; }

    /// <summary>True for every action that changes the bucket (all but <see cref="PlanAction.Skip"/>).</summary>
    public bool IsDrift => Action != PlanAction.Skip;

    /// <summary>Bytes this step moves: the source size for uploads and variants, zero otherwise.</summary>
    public long Bytes => Action is PlanAction.Upload or PlanAction.Replace or PlanAction.GenerateVariant ? Source?.Size ?? 0 : 0;
}
