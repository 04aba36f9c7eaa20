using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Tests.Variants;

public sealed class SharedEncodesTests
{
    private static readonly byte[] Source = new byte[100];

    [Fact]
    public async Task Start_WebPAfterAvifOfTheSameSource_TakesItsWebPWithoutEncoding()
    {
        var encoder = new CountingEncoder();
        var shared = new SharedEncodes(encoder, new MemoryBudget(1L << 30));
        using var avifStep = shared.Start("a.jpg", VariantTarget.Avif);
        using var webpStep = shared.Start("a.jpg", VariantTarget.WebP);

        var waiting = webpStep.SharedAsync("etag-1");
        Assert.False(waiting.IsCompleted);
        var avif = await avifStep.EncodeAsync(Source, "image/jpeg", SourceImageKind.Jpeg, "etag-1", CancellationToken.None);
        var webp = await waiting;

        Assert.Equal(VariantFormat.Avif, avif.Format);
        Assert.Equal(VariantFormat.WebP, webp!.Format);
        Assert.Equal([true], encoder.AvifRequested);
    }

    [Fact]
    public async Task SharedAsync_SourceChangedBetweenSteps_ReturnsNull()
    {
        var shared = new SharedEncodes(new CountingEncoder(), new MemoryBudget(1L << 30));
        using var avifStep = shared.Start("a.jpg", VariantTarget.Avif);
        using var webpStep = shared.Start("a.jpg", VariantTarget.WebP);

        await avifStep.EncodeAsync(Source, "image/jpeg", SourceImageKind.Jpeg, "etag-1", CancellationToken.None);

        Assert.Null(await webpStep.SharedAsync("etag-2"));
    }

    [Fact]
    public async Task SharedAsync_AvifStepEndedWithoutEncoding_ReturnsNullSoTheWebPStepEncodes()
    {
        var encoder = new CountingEncoder();
        var shared = new SharedEncodes(encoder, new MemoryBudget(1L << 30));
        var avifStep = shared.Start("a.jpg", VariantTarget.Avif);
        using var webpStep = shared.Start("a.jpg", VariantTarget.WebP);
        var waiting = webpStep.SharedAsync("etag-1");

        avifStep.Dispose();
        Assert.Null(await waiting);
        var webp = await webpStep.EncodeAsync(Source, "image/jpeg", SourceImageKind.Jpeg, "etag-1", CancellationToken.None);

        Assert.Equal(VariantFormat.WebP, webp.Format);
        Assert.Equal([false], encoder.AvifRequested);
    }

    [Fact]
    public async Task Start_WebPOfAnotherSource_FindsNothing()
    {
        var shared = new SharedEncodes(new CountingEncoder(), new MemoryBudget(1L << 30));
        using var avifStep = shared.Start("a.jpg", VariantTarget.Avif);
        await avifStep.EncodeAsync(Source, "image/jpeg", SourceImageKind.Jpeg, "etag-1", CancellationToken.None);

        using var other = shared.Start("b.jpg", VariantTarget.WebP);

        Assert.Null(await other.SharedAsync("etag-1"));
    }

    [Fact]
    public async Task Start_MoreUnclaimedResultsThanKept_DropsTheOldest()
    {
        var shared = new SharedEncodes(new CountingEncoder(), new MemoryBudget(1L << 30), keep: 2);
        foreach (var key in new[] { "1.jpg", "2.jpg", "3.jpg" })
        {
            using var step = shared.Start(key, VariantTarget.Avif);
            await step.EncodeAsync(Source, "image/jpeg", SourceImageKind.Jpeg, "e", CancellationToken.None);
        }

        using var oldest = shared.Start("1.jpg", VariantTarget.WebP);
        using var newest = shared.Start("3.jpg", VariantTarget.WebP);

        Assert.Null(await oldest.SharedAsync("e"));
        Assert.NotNull(await newest.SharedAsync("e"));
    }

    /// <summary>Makes a 10-byte WebP, and a 5-byte AVIF unless AVIF was turned off for the call.</summary>
    private sealed class CountingEncoder : IVariantEncoder
    {
        public List<bool> AvifRequested { get; } = [];

        public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind)
        {
            lock (AvifRequested)
            {
                AvifRequested.Add(true);
            }

            return new EncodedVariants(
                new EncodedVariant(new byte[10], VariantTarget.WebP, 4, 4, 1, "lossy-q86"),
                new EncodedVariant(new byte[5], VariantTarget.Avif, 4, 4, 1, "avif-q60"),
                null);
        }

        public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind) => new(4, 4, 1, 1);

        public IVariantEncoder WithoutAvif() => new CountingEncoderView(this);

        // Shares the log with its parent, so a test sees every encode the pair made.
        private sealed class CountingEncoderView(CountingEncoder parent) : IVariantEncoder
        {
            public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind)
            {
                lock (parent.AvifRequested)
                {
                    parent.AvifRequested.Add(false);
                }

                return new EncodedVariants(new EncodedVariant(new byte[10], VariantTarget.WebP, 4, 4, 1, "lossy-q86"), null, "AVIF is off");
            }

            public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind) => new(4, 4, 1, 1);
        }
    }
}
