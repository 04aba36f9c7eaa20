using NetVips;

namespace MediaOffload.Imaging;

/// <summary>
/// Starts libvips (NetVips.Native's build) once per process and applies <see cref="ImagingOptions"/>. Call
/// <see cref="EnsureInitialized(ImagingOptions)"/> on start.
/// </summary>
public static class LibvipsRuntime
{
    // The loaders left unblocked, by class name: jpegload_source, pngload_source, gifload_source, webpload_source and
    // heifload_source. The encoder calls the declared kind's loader by name (VipsPipeline.Load), so heifload runs only for
    // SourceImageKind.Avif (and refuses anything not AV1), and webpload, which no SourceImageKind names, only reads our
    // own variants back in tests and benchmarks. Source rather than buffer loaders: a buffer loader copies the upload
    // into a blob first (measured +28 MiB peak on a 16 MB JPEG, docs/imaging.md, "WebP speed and memory").
    internal static readonly string[] AllowedLoaders =
        ["VipsForeignLoadJpegSource", "VipsForeignLoadPngSource", "VipsForeignLoadNsgifSource", "VipsForeignLoadWebpSource", "VipsForeignLoadHeifSource"];

    private static readonly Lock Gate = new();
    private static bool initialized;
    private static Exception? startupFailure;

    /// <summary>The loaded libvips version, e.g. <c>8.18.7</c>; initialises with defaults if needed.</summary>
    public static string Version
    {
        get
        {
            EnsureInitialized();
            return $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}";
        }
    }

    /// <summary>
    /// Initialises libvips on first call (thread-safe) with default <see cref="ImagingOptions"/>; later calls
    /// do nothing and keep whatever settings were applied.
    /// </summary>
    /// <exception cref="LibvipsUnavailableException">NetVips' native libvips is missing or failed to start.</exception>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref initialized))
        {
            return;
        }

        EnsureInitialized(new ImagingOptions());
    }

    /// <summary>
    /// Initialises libvips on first call (thread-safe) and applies <paramref name="options"/>: the thread and cache
    /// settings on every call (the last call wins), <see cref="ImagingOptions.BlockUntrustedLoaders"/> on the first
    /// call only.
    /// </summary>
    /// <exception cref="LibvipsUnavailableException">NetVips' native libvips is missing or failed to start. The same
    /// failure is rethrown on every later call.</exception>
    public static void EnsureInitialized(ImagingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        lock (Gate)
        {
            if (startupFailure is not null)
            {
                throw new LibvipsUnavailableException(startupFailure.Message, startupFailure);
            }

            if (!initialized)
            {
                try
                {
                    Start();
                }
                catch (Exception ex) when (ex is LibvipsUnavailableException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
                {
                    startupFailure = ex as LibvipsUnavailableException ?? MissingLibrary(ex);
                    throw startupFailure;
                }

                // Blocking is one-way in practice: libvips cannot report the state back, and re-blocking on every call
                // would race with a caller (a test) that unblocked a decoder for its own use.
                if (options.BlockUntrustedLoaders)
                {
                    BlockLoaders();
                }

                Volatile.Write(ref initialized, true);
            }

            Apply(options);
        }
    }

    internal static LibvipsUnavailableException MissingLibrary(Exception? cause) => new(
        "The native imaging library (libvips.so.42 from the NetVips.Native.linux-x64 package, next to the app) could not "
        + $"be loaded or started; publish for linux-x64 so it is copied. Cause: {cause?.Message ?? "dlopen failed"}",
        cause);

    private static void Start()
    {
        // NetVips starts libvips in its module initializer and keeps the failure rather than throwing it.
        if (!ModuleInitializer.VipsInitialized)
        {
            throw MissingLibrary(ModuleInitializer.Exception);
        }
    }

    /// <summary>
    /// Every operation libvips marks untrusted, and every loader but <see cref="AllowedLoaders"/>: nothing but the
    /// decoders we need ever sees an upload's bytes, even if a check before them were wrong.
    /// </summary>
    private static void BlockLoaders()
    {
        NetVips.NetVips.BlockUntrusted = true;
        Operation.Block("VipsForeignLoad", true);
        foreach (var loader in AllowedLoaders)
        {
            Operation.Block(loader, false);
        }
    }

    private static void Apply(ImagingOptions options)
    {
        if (options.Concurrency > 0)
        {
            NetVips.NetVips.Concurrency = options.Concurrency;
        }

        Cache.Max = options.CacheMaxOperations;
        Cache.MaxMem = (ulong)options.CacheMaxMemoryBytes;
        Cache.MaxFiles = options.CacheMaxFiles;
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
