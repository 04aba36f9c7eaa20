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

/// <summary>
/// Owns a <c>WebPPicture</c> in native memory together with the planes libwebp allocates into it;
/// released with <c>WebPPictureFree</c>, then the struct itself is freed.
/// </summary>
internal sealed unsafe class WebPPictureHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public WebPPictureHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>A zeroed, initialised picture of the given size (YUV420, <c>use_argb = 0</c>, no planes yet).</summary>
    internal static WebPPictureHandle Create(int width, int height)
    {
        var picture = new WebPPictureHandle();
        var native = (WebP.Picture*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(WebP.Picture));
        picture.SetHandle((nint)native);
        if (WebP.PictureInitInternal(native, WebP.EncoderAbiVersion) == 0)
        {
            picture.Dispose();
            throw new InvalidOperationException(
                $"{WebP.Library} (encoder version 0x{WebP.GetEncoderVersion():x6}) rejected WebPPicture ABI 0x{WebP.EncoderAbiVersion:x4}.");
        }

        native->UseArgb = 0;
        native->Width = width;
        native->Height = height;
        return picture;
    }

    /// <summary>The struct; valid while this handle is alive and not disposed.</summary>
    internal WebP.Picture* Picture => (WebP.Picture*)handle;

    protected override bool ReleaseHandle()
    {
        WebP.PictureFree((WebP.Picture*)handle);
        System.Runtime.InteropServices.NativeMemory.Free((void*)handle);
        return true;
    }
}

/// <summary>
/// Owns a <c>WebPMemoryWriter</c> in native memory (it must not move while libwebp writes to it) and the
/// output buffer libwebp grows inside it; released with <c>WebPMemoryWriterClear</c>.
/// </summary>
internal sealed unsafe class WebPMemoryWriterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public WebPMemoryWriterHandle()
        : base(ownsHandle: true)
    {
    }

    internal static WebPMemoryWriterHandle Create()
    {
        var writer = new WebPMemoryWriterHandle();
        var native = (WebP.MemoryWriter*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(WebP.MemoryWriter));
        writer.SetHandle((nint)native);
        WebP.MemoryWriterInit(native);
        return writer;
    }

    /// <summary>The struct; valid while this handle is alive and not disposed.</summary>
    internal WebP.MemoryWriter* Writer => (WebP.MemoryWriter*)handle;

    /// <summary>Copies what libwebp wrote into a managed array.</summary>
    internal byte[] ToArray()
    {
        var writer = Writer;
        if (writer->Size > int.MaxValue)
        {
            throw new InvalidOperationException($"A WebP of {writer->Size} bytes does not fit in a managed array.");
        }

        return new ReadOnlySpan<byte>(writer->Mem, (int)writer->Size).ToArray();
    }

    protected override bool ReleaseHandle()
    {
        WebP.MemoryWriterClear((WebP.MemoryWriter*)handle);
        System.Runtime.InteropServices.NativeMemory.Free((void*)handle);
        return true;
    }
}
