namespace MediaOffload.Cli.Commands;

/// <summary>Process exit codes (docs/reconcile.md).</summary>
internal static class ExitCodes
{
    /// <summary>The bucket is in sync.</summary>
    public const int InSync = 0;

    /// <summary>Drift or failures remain, or S3 refused the credentials.</summary>
    public const int Drift = 1;

    /// <summary>Bad arguments, a missing directory or a missing bucket.</summary>
    public const int Usage = 2;
}

