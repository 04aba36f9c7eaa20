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
        var before = Vips.ConcurrencyGet();
        try
        {
            LibvipsRuntime.EnsureInitialized(new ImagingOptions { Concurrency = 3 });

            Assert.Equal(3, Vips.ConcurrencyGet());
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
    public void MissingLibrary_Message_NamesSonameAndDebianPackage()
    {
        var ex = LibvipsRuntime.MissingLibrary("libvips.so.42", new DllNotFoundException("cannot open shared object file"));

        Assert.Contains("libvips.so.42", ex.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y libvips42", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot open shared object file", ex.Message, StringComparison.Ordinal);
    }
}
