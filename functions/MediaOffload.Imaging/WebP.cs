using System.Runtime.InteropServices;

namespace MediaOffload.Imaging;

/// <summary>
/// Every libwebp entry point the imaging layer uses, in one place. Still lossy images are encoded here
/// directly from libvips' decoded pixels; lossless and animated output still goes through libvips' webpsave.
/// </summary>
/// <remarks>
/// The structs mirror <c>&lt;webp/encode.h&gt;</c> of libwebp 1.2.4 (Debian <c>libwebp-dev</c>), encoder ABI
/// <see cref="EncoderAbiVersion"/>. libwebp refuses an incompatible major ABI in <c>WebPConfigInitInternal</c>
/// and <c>WebPPictureInitInternal</c>, so a mismatch fails loudly instead of corrupting memory. None of these
/// functions is varargs.
/// </remarks>
internal static unsafe partial class WebP
{
    /// <summary>The soname we bind to, shipped by <see cref="DebianPackage"/> (a dependency of libvips42).</summary>
    internal const string Library = "libwebp.so.7";

    internal const string DebianPackage = "libwebp7";

    /// <summary><c>WEBP_ENCODER_ABI_VERSION</c> from the libwebp 1.2.4 headers the structs below follow.</summary>
    internal const int EncoderAbiVersion = 0x020f;

    internal const int PresetDefault = 0;

    /// <summary><c>WEBP_MAX_DIMENSION</c>: wider or taller images are left to webpsave (which refuses them too).</summary>
    internal const int MaxDimension = 16383;

    // --- structs (layout of <webp/encode.h>, ABI 0x020f) ---

    [StructLayout(LayoutKind.Sequential)]
    internal struct Config
    {
        public int Lossless;
        public float Quality;
        public int Method;
        public int ImageHint;
        public int TargetSize;
        public float TargetPsnr;
        public int Segments;
        public int SnsStrength;
        public int FilterStrength;
        public int FilterSharpness;
        public int FilterType;
        public int Autofilter;
        public int AlphaCompression;
        public int AlphaFiltering;
        public int AlphaQuality;
        public int Pass;
        public int ShowCompressed;
        public int Preprocessing;
        public int Partitions;
        public int PartitionLimit;
        public int EmulateJpegSize;
        public int ThreadLevel;
        public int LowMemory;
        public int NearLossless;
        public int Exact;
        public int UseDeltaPalette;
        public int UseSharpYuv;
        public int Qmin;
        public int Qmax;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Picture
    {
        public int UseArgb;
        public int Colorspace;
        public int Width;
        public int Height;
        public byte* Y;
        public byte* U;
        public byte* V;
        public int YStride;
        public int UvStride;
        public byte* A;
        public int AStride;
        public fixed uint Pad1[2];
        public uint* Argb;
        public int ArgbStride;
        public fixed uint Pad2[3];
        public nint Writer;
        public void* CustomPtr;
        public int ExtraInfoType;
        public byte* ExtraInfo;
        public void* Stats;
        public int ErrorCode;
        public nint ProgressHook;
        public void* UserData;
        public fixed uint Pad3[3];
        public byte* Pad4;
        public byte* Pad5;
        public fixed uint Pad6[8];
        public void* Memory;
        public void* MemoryArgb;
        public void* Pad7a;
        public void* Pad7b;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MemoryWriter
    {
        public byte* Mem;
        public nuint Size;
        public nuint MaxSize;
        public uint Pad;
    }

    // --- entry points ---

    [LibraryImport(Library, EntryPoint = "WebPGetEncoderVersion")]
    internal static partial int GetEncoderVersion();

    [LibraryImport(Library, EntryPoint = "WebPConfigInitInternal")]
    internal static partial int ConfigInitInternal(Config* config, int preset, float quality, int abiVersion);

    [LibraryImport(Library, EntryPoint = "WebPValidateConfig")]
    internal static partial int ValidateConfig(Config* config);

    [LibraryImport(Library, EntryPoint = "WebPPictureInitInternal")]
    internal static partial int PictureInitInternal(Picture* picture, int abiVersion);

    /// <summary>Converts packed RGB to the picture's YUV420 planes (<c>use_argb = 0</c>), allocating them.</summary>
    [LibraryImport(Library, EntryPoint = "WebPPictureImportRGB")]
    internal static partial int PictureImportRgb(WebPPictureHandle picture, byte* rgb, int rgbStride);

    /// <summary>As <see cref="PictureImportRgb"/> with an alpha plane (dropped again if fully opaque).</summary>
    [LibraryImport(Library, EntryPoint = "WebPPictureImportRGBA")]
    internal static partial int PictureImportRgba(WebPPictureHandle picture, byte* rgba, int rgbaStride);

    [LibraryImport(Library, EntryPoint = "WebPEncode")]
    internal static partial int Encode(Config* config, WebPPictureHandle picture);

    [LibraryImport(Library, EntryPoint = "WebPPictureFree")]
    internal static partial void PictureFree(Picture* picture);

    [LibraryImport(Library, EntryPoint = "WebPMemoryWriterInit")]
    internal static partial void MemoryWriterInit(MemoryWriter* writer);

    [LibraryImport(Library, EntryPoint = "WebPMemoryWriterClear")]
    internal static partial void MemoryWriterClear(MemoryWriter* writer);

    /// <summary>Address of libwebp's own <c>WebPMemoryWrite</c>, the writer callback for a <see cref="MemoryWriter"/>.</summary>
    internal static nint MemoryWriteFunction => MemoryWrite.Value;

    private static readonly Lazy<nint> MemoryWrite = new(() =>
        NativeLibrary.GetExport(NativeLibrary.Load(Library, typeof(WebP).Assembly, null), "WebPMemoryWrite"));

    /// <summary>Name of a <c>WebPEncodingError</c> value.</summary>
    internal static string ErrorName(int code) => code switch
    {
        0 => "VP8_ENC_OK",
        1 => "VP8_ENC_ERROR_OUT_OF_MEMORY",
        2 => "VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY",
        3 => "VP8_ENC_ERROR_NULL_PARAMETER",
        4 => "VP8_ENC_ERROR_INVALID_CONFIGURATION",
        5 => "VP8_ENC_ERROR_BAD_DIMENSION",
        6 => "VP8_ENC_ERROR_PARTITION0_OVERFLOW",
        7 => "VP8_ENC_ERROR_PARTITION_OVERFLOW",
        8 => "VP8_ENC_ERROR_BAD_WRITE",
        9 => "VP8_ENC_ERROR_FILE_TOO_BIG",
        10 => "VP8_ENC_ERROR_USER_ABORT",
        _ => $"WebPEncodingError {code}",
    };
}
