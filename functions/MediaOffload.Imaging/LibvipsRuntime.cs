using System.Runtime.InteropServices;

namespace MediaOffload.Imaging;

/// <summary>Loads and initialises libvips once per process. Call <see cref="EnsureInitialized(ImagingOptions)"/> on start.</summary>
public static class LibvipsRuntime
{
    // fail_on (8.12), effort (8.12) and vips_block_untrusted_set (8.13) are used below.
    private const int MinimumMajor = 8;
    private const int MinimumMinor = 13;

    private static readonly Lock Gate = new();
    private static bool initialized;
    private static Exception? startupFailure;

    /// <summary>The loaded libvips version, e.g. <c>8.14.1</c>; initialises with defaults if needed.</summary>
    public static string Version
    {
        get
        {
            EnsureInitialized();
            return $"{Vips.Version(0)}.{Vips.Version(1)}.{Vips.Version(2)}";
        }
    }

    /// <summary>
    /// Initialises libvips on first call (thread-safe) with default <see cref="ImagingOptions"/>; later calls
    /// do nothing and keep whatever settings were applied.
    /// </summary>
    /// <exception cref="LibvipsUnavailableException"><c>libvips.so.42</c> is missing, too old, or failed to start.</exception>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref initialized))
        {
            return;
        }

        EnsureInitialized(new ImagingOptions());
    }

    /// <summary>
    /// Initialises libvips on first call (thread-safe) and applies <paramref name="options"/> on every call;
    /// the settings are process-wide, so the last call wins.
    /// </summary>
    /// <exception cref="LibvipsUnavailableException"><c>libvips.so.42</c> is missing, too old, or failed to start.
    /// The same failure is rethrown on every later call.</exception>
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
                catch (Exception ex) when (ex is LibvipsUnavailableException or DllNotFoundException or EntryPointNotFoundException)
                {
                    startupFailure = ex as LibvipsUnavailableException ?? MissingLibrary(Vips.Library, ex);
                    throw startupFailure;
                }

                Volatile.Write(ref initialized, true);
            }

            Apply(options);
        }
    }

    internal static LibvipsUnavailableException MissingLibrary(string library, Exception? cause) => new(
        $"The native imaging library '{library}' could not be loaded. Install the Debian package "
        + $"'{Vips.DebianPackage}' (apt-get install -y {Vips.DebianPackage}) or put {library} on the loader path. "
        + $"Cause: {cause?.Message ?? "dlopen failed"}",
        cause);

    private static void Start()
    {
        if (!NativeLibrary.TryLoad(Vips.Library, typeof(LibvipsRuntime).Assembly, null, out _))
        {
            throw MissingLibrary(Vips.Library, null);
        }

        int major = Vips.Version(0), minor = Vips.Version(1);
        if (major < MinimumMajor || (major == MinimumMajor && minor < MinimumMinor))
        {
            throw new LibvipsUnavailableException(
                $"{Vips.Library} is libvips {major}.{minor}; MediaOffload needs {MinimumMajor}.{MinimumMinor} or newer.");
        }

        if (Vips.Init("MediaOffload") != 0)
        {
            throw new LibvipsUnavailableException(
                $"vips_init failed: {VipsException.TakeErrorText()}");
        }
    }

    private static void Apply(ImagingOptions options)
    {
        if (options.Concurrency > 0)
        {
            Vips.ConcurrencySet(options.Concurrency);
        }

        Vips.CacheSetMax(options.CacheMaxOperations);
        Vips.CacheSetMaxMem((nuint)options.CacheMaxMemoryBytes);
        Vips.CacheSetMaxFiles(options.CacheMaxFiles);
        Vips.BlockUntrustedSet(options.BlockUntrustedLoaders ? 1 : 0);
    }
}
