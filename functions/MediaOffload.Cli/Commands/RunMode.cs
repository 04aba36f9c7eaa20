namespace MediaOffload.Cli.Commands;

/// <summary>The three commands share one pipeline and differ in what they do with the plan.</summary>
internal enum RunMode
{
    /// <summary>Plan and carry out.</summary>
    Sync,

    /// <summary>Plan and report only.</summary>
    Reconcile,

    /// <summary>HEAD every object and audit its headers; no source folder.</summary>
    Verify,
}
