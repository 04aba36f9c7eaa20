namespace MediaOffload.Imaging;

/// <summary>A libvips call failed; <see cref="VipsError"/> holds libvips' own error text.</summary>
public sealed class VipsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VipsException(string operation, string vipsError)
        : base($"libvips {operation} failed: {vipsError}")
    {
        Operation = operation;
        VipsError = vipsError;
    }

    /// <summary>The call that failed, e.g. <c>webpsave</c>.</summary>
    public string Operation { get; }

    /// <summary>The libvips error buffer at the time of failure, trimmed.</summary>
    public string VipsError { get; }

    /// <summary>
    /// Takes (reads and clears) the libvips error buffer. The buffer is process-wide, so under parallel
    /// failures one exception may carry another call's text too, or find it already taken.
    /// </summary>
    internal static VipsException FromErrorBuffer(string operation) => new(operation, TakeErrorText());

    internal static string TakeErrorText()
    {
        using var copy = Vips.ErrorBufferCopy();
        var text = copy.ReadUtf8()?.Trim();
        return string.IsNullOrEmpty(text)
            ? "no detail in the libvips error buffer (a concurrent failure may have taken it)"
            : text.ReplaceLineEndings("; ");
    }
}

/// <summary>libvips cannot be loaded or initialised. Raised at startup by <see cref="LibvipsRuntime"/>.</summary>
public sealed class LibvipsUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LibvipsUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
