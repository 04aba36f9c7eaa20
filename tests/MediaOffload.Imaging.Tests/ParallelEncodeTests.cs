using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging.Tests;

[Collection(nameof(PixelBombCollection))]
public sealed class ParallelEncodeTests
{
    [Fact]
    public void Encode_ManyInParallelOnThreadPool_AllSucceedWithoutLeakingHandles()
    {
        var encoder = new LibvipsVariantEncoder(new VariantOptions());
        using var alphaImage = TestImages.Pixels(64, 48, 4, (x, y, p) => { p[0] = (byte)x; p[1] = (byte)y; p[2] = 9; p[3] = (byte)(x * 4); });
        (byte[] Data, SourceImageKind Kind)[] inputs =
        [
            (TestImages.Jpeg(160, 120), SourceImageKind.Jpeg),
            (TestImages.Jpeg(90, 60, orientation: 6), SourceImageKind.Jpeg),
            (TestImages.Save(alphaImage, ".png"), SourceImageKind.Png),
            (TestImages.Jpeg(64, 64).AsSpan(0, 900).ToArray(), SourceImageKind.Jpeg),
        ];

        int Run(int rounds)
        {
            var rejected = 0;
            Parallel.For(0, rounds, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                var (data, kind) = inputs[i % inputs.Length];
                try
                {
                    Assert.NotEmpty(encoder.Encode(data, kind).WebP.Bytes);
                }
                catch (ImageRejectedException ex) when (ex.Code == ImageRejectionCode.Corrupt)
                {
                    Interlocked.Increment(ref rejected);
                }
            });
            return rejected;
        }

        Run(40); // warm up thread pools and libvips' per-thread buffers
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var fdsBefore = Directory.GetFiles("/proc/self/fd").Length;
        var rssBefore = Environment.WorkingSet;

        var rejected = Run(400);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(100, rejected);
        Assert.InRange(Directory.GetFiles("/proc/self/fd").Length, 0, fdsBefore + 4);
        var grown = Environment.WorkingSet - rssBefore;
        Assert.True(grown < 64L * 1024 * 1024, $"working set grew by {grown / 1024 / 1024} MiB over 400 encodes");
    }
}
