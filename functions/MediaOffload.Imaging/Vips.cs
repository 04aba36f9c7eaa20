using System.Runtime.InteropServices;

namespace MediaOffload.Imaging;

/// <summary>
/// Every native entry point the imaging layer uses, in one place. libvips is only reached through here.
/// </summary>
/// <remarks>
/// Many libvips calls are C varargs functions ending in <c>...</c> with a NULL terminator. They are declared
/// here with their fixed parameters plus exactly one pointer-sized <c>terminator</c> that the wrappers
/// always pass as NULL: optional arguments travel in libvips option strings (<c>"access=sequential"</c>,
/// <c>".webp[Q=86]"</c>) and never as extra variadic values. See docs/imaging.md.
/// </remarks>
internal static unsafe partial class Vips
{
    /// <summary>The soname we bind to, shipped by the Debian package <see cref="DebianPackage"/>.</summary>
    internal const string Library = "libvips.so.42";

    internal const string DebianPackage = "libvips42";

    private const string GObject = "libgobject-2.0.so.0";
    private const string GLib = "libglib-2.0.so.0";

    // VipsInterpretation and VipsBandFormat values from <vips/image.h>.
    internal const int InterpretationBW = 1;
    internal const int InterpretationCmyk = 15;
    internal const int InterpretationSrgb = 22;
    internal const int FormatUchar = 0;
    internal const int FormatUshort = 2;

    internal const string IccProfileField = "icc-profile-data";

    // --- lifetime and global settings ---

    [LibraryImport(Library, EntryPoint = "vips_init", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Init(string argv0);

    [LibraryImport(Library, EntryPoint = "vips_version")]
    internal static partial int Version(int flag);

    [LibraryImport(Library, EntryPoint = "vips_concurrency_set")]
    internal static partial void ConcurrencySet(int concurrency);

    [LibraryImport(Library, EntryPoint = "vips_concurrency_get")]
    internal static partial int ConcurrencyGet();

    [LibraryImport(Library, EntryPoint = "vips_cache_set_max")]
    internal static partial void CacheSetMax(int max);

    [LibraryImport(Library, EntryPoint = "vips_cache_set_max_mem")]
    internal static partial void CacheSetMaxMem(nuint maxMem);

    [LibraryImport(Library, EntryPoint = "vips_cache_set_max_files")]
    internal static partial void CacheSetMaxFiles(int maxFiles);

    [LibraryImport(Library, EntryPoint = "vips_block_untrusted_set")]
    internal static partial void BlockUntrustedSet(int state);

    // --- errors ---

    /// <summary>Copies and clears the process-wide error buffer in one locked step; free with g_free.</summary>
    [LibraryImport(Library, EntryPoint = "vips_error_buffer_copy")]
    internal static partial GLibBuffer ErrorBufferCopy();

    [LibraryImport(Library, EntryPoint = "vips_error_clear")]
    internal static partial void ErrorClear();

    // --- loading ---

    /// <summary>Class name of the loader libvips would pick (static string, not freed), or NULL.</summary>
    [LibraryImport(Library, EntryPoint = "vips_foreign_find_load_buffer")]
    internal static partial nint ForeignFindLoadBuffer(byte* data, nuint size);

    [LibraryImport(Library, EntryPoint = "vips_image_new_from_buffer", StringMarshalling = StringMarshalling.Utf8)]
    private static partial VipsImageHandle ImageNewFromBuffer(byte* buffer, nuint length, string optionString, nint terminator);

    /// <summary>Header-only load; pixels are decoded lazily. <paramref name="buffer"/> must stay pinned until
    /// every image derived from the result is released.</summary>
    internal static VipsImageHandle ImageNewFromBuffer(byte* buffer, nuint length, string optionString) =>
        ImageNewFromBuffer(buffer, length, optionString, 0);

    [LibraryImport(Library, EntryPoint = "vips_image_new_from_memory_copy")]
    internal static partial VipsImageHandle ImageNewFromMemoryCopy(byte* data, nuint size, int width, int height, int bands, int format);

    // --- header ---

    [LibraryImport(Library, EntryPoint = "vips_image_get_width")]
    internal static partial int ImageGetWidth(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_height")]
    internal static partial int ImageGetHeight(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_bands")]
    internal static partial int ImageGetBands(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_format")]
    internal static partial int ImageGetFormat(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_interpretation")]
    internal static partial int ImageGetInterpretation(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_page_height")]
    internal static partial int ImageGetPageHeight(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_n_pages")]
    internal static partial int ImageGetNPages(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_orientation")]
    internal static partial int ImageGetOrientation(VipsImageHandle image);

    [LibraryImport(Library, EntryPoint = "vips_image_get_typeof", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nuint ImageGetTypeof(VipsImageHandle image, string name);

    [LibraryImport(Library, EntryPoint = "vips_image_get_int", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ImageGetInt(VipsImageHandle image, string name, out int value);

    /// <summary>Borrowed pointer into the image's metadata; do not free.</summary>
    [LibraryImport(Library, EntryPoint = "vips_image_get_array_int", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ImageGetArrayInt(VipsImageHandle image, string name, out int* values, out int count);

    [LibraryImport(Library, EntryPoint = "vips_image_set_int", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void ImageSetInt(VipsImageHandle image, string name, int value);

    [LibraryImport(Library, EntryPoint = "vips_image_set_string", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void ImageSetString(VipsImageHandle image, string name, string value);

    [LibraryImport(Library, EntryPoint = "vips_image_set_array_int", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void ImageSetArrayInt(VipsImageHandle image, string name, int* values, int count);

    [LibraryImport(Library, EntryPoint = "vips_colourspace_issupported")]
    internal static partial int ColourspaceIsSupported(VipsImageHandle image);

    // --- operations (fixed arguments + NULL terminator only) ---

    [LibraryImport(Library, EntryPoint = "vips_autorot")]
    private static partial int Autorot(VipsImageHandle input, out VipsImageHandle output, nint terminator);

    internal static int Autorot(VipsImageHandle input, out VipsImageHandle output) => Autorot(input, out output, 0);

    [LibraryImport(Library, EntryPoint = "vips_icc_transform", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int IccTransform(VipsImageHandle input, out VipsImageHandle output, string outputProfile, nint terminator);

    /// <summary>Transforms from the embedded profile (libvips' fallback when no input profile is named) to
    /// <paramref name="outputProfile"/>; CMYK without a profile uses libvips' built-in CMYK profile.</summary>
    internal static int IccTransform(VipsImageHandle input, out VipsImageHandle output, string outputProfile) =>
        IccTransform(input, out output, outputProfile, 0);

    [LibraryImport(Library, EntryPoint = "vips_colourspace")]
    private static partial int Colourspace(VipsImageHandle input, out VipsImageHandle output, int space, nint terminator);

    internal static int Colourspace(VipsImageHandle input, out VipsImageHandle output, int space) =>
        Colourspace(input, out output, space, 0);

    [LibraryImport(Library, EntryPoint = "vips_cast")]
    private static partial int Cast(VipsImageHandle input, out VipsImageHandle output, int format, nint terminator);

    internal static int Cast(VipsImageHandle input, out VipsImageHandle output, int format) =>
        Cast(input, out output, format, 0);

    // --- saving ---

    [LibraryImport(Library, EntryPoint = "vips_image_write_to_buffer", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int ImageWriteToBuffer(VipsImageHandle input, string suffix, out GLibBuffer buffer, out nuint size, nint terminator);

    /// <summary>Saves with the saver chosen by <paramref name="suffix"/>, options in brackets,
    /// e.g. <c>".webp[Q=86,effort=4,strip]"</c>.</summary>
    internal static int ImageWriteToBuffer(VipsImageHandle input, string suffix, out GLibBuffer buffer, out nuint size) =>
        ImageWriteToBuffer(input, suffix, out buffer, out size, 0);

    /// <summary>Renders the image into a g_malloc'd array of raw pixels (used by tests to inspect output).</summary>
    [LibraryImport(Library, EntryPoint = "vips_image_write_to_memory")]
    internal static partial GLibBuffer ImageWriteToMemory(VipsImageHandle input, out nuint size);

    // --- GLib / GObject ---

    [LibraryImport(GObject, EntryPoint = "g_object_unref")]
    internal static partial void GObjectUnref(nint gobject);

    [LibraryImport(GLib, EntryPoint = "g_free")]
    internal static partial void GFree(nint memory);
}
