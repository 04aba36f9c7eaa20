namespace MediaOffload.Cli.Execution;

/// <summary>A step failed for a reason the operator can act on; the run goes on with the other items.</summary>
internal sealed class StepFailedException(string message, Exception? inner = null) : Exception(message, inner);
