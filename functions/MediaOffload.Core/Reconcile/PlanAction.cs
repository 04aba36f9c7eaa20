namespace MediaOffload.Core.Reconcile;

/// <summary>What reconcile does about one key.</summary>
public enum PlanAction
{
    /// <summary>Nothing: the object is in sync, or the source may not be offloaded.</summary>
    Skip,

    /// <summary>The source has no object: upload it.</summary>
    Upload,

    /// <summary>The object holds other bytes than the source: upload it again.</summary>
    Replace,

    /// <summary>The bytes are right but a header or the recorded metadata is not: copy in place with new headers.</summary>
    FixHeaders,

    /// <summary>A variant (<c>&lt;key&gt;.avif</c> or <c>&lt;key&gt;.webp</c>) is missing or was made from an older source: encode and write it.</summary>
    GenerateVariant,

    /// <summary>The object has no source (or its source may not be offloaded): delete it, only when deletes are asked for.</summary>
    DeleteOrphan,
}
