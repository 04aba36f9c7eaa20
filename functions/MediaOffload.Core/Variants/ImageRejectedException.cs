namespace MediaOffload.Core.Variants;

/// <summary>Why a source image got no variant.</summary>
public enum ImageRejectionCode
{
    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>More bytes than <see cref="VariantOptions.MaxInputBytes"/>.</summary>
    InputTooLarge,

    /// <summary>The bytes are not the declared kind (e.g. text, or a PNG named <c>.jpg</c>).</summary>
    FormatMismatch,

    /// <summary>Width x height x frames from the header exceeds <see cref="VariantOptions.MaxPixels"/>.</summary>
    PixelLimitExceeded,

    /// <summary>The decoder failed: truncated or corrupt data, or an unsupported variant of the format.</summary>
    Corrupt,

    /// <summary>The encode would need more memory than the process's whole budget (<see cref="MemoryBudget"/>).</summary>
    OverMemoryBudget,
}

/// <summary>The input cannot get a variant. Expected for bad uploads: log <see cref="Reason"/> and move on.</summary>
public sealed class ImageRejectedException : Exception
{
    /// <summary>Creates a rejection.</summary>
    public ImageRejectedException(ImageRejectionCode code, string reason, Exception? innerException = null)
        : base($"Image rejected ({code}): {reason}", innerException)
    {
        Code = code;
        Reason = reason;
    }

    /// <summary>The machine-readable category.</summary>
    public ImageRejectionCode Code { get; }

    /// <summary>A readable reason, including the decoder's own message when there is one.</summary>
    public string Reason { get; }
}
