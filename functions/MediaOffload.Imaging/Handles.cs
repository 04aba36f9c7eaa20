using Microsoft.Win32.SafeHandles;

namespace MediaOffload.Imaging;

/// <summary>Owns one reference to a <c>VipsImage*</c>; dropped with <c>g_object_unref</c>.</summary>
internal sealed class VipsImageHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public VipsImageHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        Vips.GObjectUnref(handle);
        return true;
    }
}

/// <summary>Owns memory libvips or GLib allocated for us (saved files, error text, pixel vectors); <c>g_free</c>.</summary>
internal sealed class GLibBuffer : SafeHandleZeroOrMinusOneIsInvalid
{
    public GLibBuffer()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Copies <paramref name="length"/> bytes out into a managed array.</summary>
    public unsafe byte[] ToArray(nuint length)
    {
        if (IsInvalid || length == 0)
        {
            return [];
        }

        if (length > int.MaxValue)
        {
            throw new InvalidOperationException($"A libvips buffer of {length} bytes does not fit in a managed array.");
        }

        var added = false;
        DangerousAddRef(ref added);
        try
        {
            return new ReadOnlySpan<byte>((void*)handle, (int)length).ToArray();
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    /// <summary>Reads the buffer as a NUL-terminated UTF-8 string.</summary>
    public string? ReadUtf8() => IsInvalid ? null : System.Runtime.InteropServices.Marshal.PtrToStringUTF8(handle);

    protected override bool ReleaseHandle()
    {
        Vips.GFree(handle);
        return true;
    }
}
