namespace MediaOffload.Imaging.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void EnsureInitialized_CalledFromManyThreads_InitialisesOnceAndReportsVersion()
    {
        Parallel.For(0, 16, _ => LibvipsRuntime.EnsureInitialized());

        Assert.StartsWith("8.", LibvipsRuntime.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureInitialized_WithOptions_AppliesConcurrency()
    {
        var before = NetVips.NetVips.Concurrency;
        try
        {
            LibvipsRuntime.EnsureInitialized(new ImagingOptions { Concurrency = 3 });

            Assert.Equal(3, NetVips.NetVips.Concurrency);
        }
        finally
        {
            LibvipsRuntime.EnsureInitialized(new ImagingOptions { Concurrency = before });
        }
    }

    [Fact]
    public void EnsureInitialized_NegativeOption_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LibvipsRuntime.EnsureInitialized(new ImagingOptions { CacheMaxFiles = -1 }));
    }

    [Fact]
    public void Version_IsNetVipsNativesBuild()
    {
        Assert.Equal("8.18.7", LibvipsRuntime.Version);
    }

    [Theory]
    [InlineData("jpegload_source", false)]
    [InlineData("pngload_source", false)]
    [InlineData("gifload_source", false)]
    [InlineData("heifload_source", false)]
    [InlineData("webpload_source", false)]
    [InlineData("svgload_source", true)]
    [InlineData("tiffload_source", true)]
    [InlineData("jpegload_buffer", true)]
    public void EnsureInitialized_Default_BlocksEveryLoaderButTheAllowedOnes(string loader, bool blocked)
    {
        LibvipsRuntime.EnsureInitialized();
        using var svg = NetVips.Source.NewFromMemory("<svg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/>"u8.ToArray());

        // A blocked operation fails to build with "operation is blocked"; an allowed one fails on the data only.
        var error = Record.Exception(() => NetVips.Operation.Call(loader, loader.EndsWith("_source", StringComparison.Ordinal) ? svg : "<svg/>"u8.ToArray()));

        Assert.NotNull(error);
        Assert.Equal(blocked, error.Message.Contains("blocked", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void MissingLibrary_Message_NamesSonameAndPackage()
    {
        var ex = LibvipsRuntime.MissingLibrary(new DllNotFoundException("cannot open shared object file"));

        Assert.Contains("libvips.so.42", ex.Message, StringComparison.Ordinal);
        Assert.Contains("NetVips.Native.linux-x64", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot open shared object file", ex.Message, StringComparison.Ordinal);
    }
}
