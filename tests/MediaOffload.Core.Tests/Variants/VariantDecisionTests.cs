using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Tests.Variants;

public sealed class VariantDecisionTests
{
    private static EncodedVariant Encoded(int length) => new(new byte[length], VariantTarget.WebP, 10, 20, 1, "lossy-q86");

    private static EncodedVariant Avif(int length) => new(new byte[length], VariantTarget.Avif, 10, 20, 1, "avif-q65");

    [Theory]
    [InlineData(100, 60, 50, VariantFormat.Avif, 50)] // AVIF smallest
    [InlineData(100, 60, 70, VariantFormat.WebP, 60)] // WebP smaller than AVIF
    [InlineData(100, 60, 60, VariantFormat.WebP, 60)] // a tie keeps the WebP
    [InlineData(100, 120, 130, VariantFormat.Original, 100)] // both larger than the original
    [InlineData(100, 120, 90, VariantFormat.Avif, 90)] // WebP larger than the original, AVIF smaller
    public void DecideAll_AvifKey_HoldsTheSmallestOfAvifWebPAndOriginal(int sourceLength, int webpLength, int avifLength, VariantFormat expected, int expectedLength)
    {
        var outcomes = VariantDecision.DecideAll(new byte[sourceLength], "image/jpeg", SourceImageKind.Jpeg, new EncodedVariants(Encoded(webpLength), Avif(avifLength), null));

        var avif = outcomes[VariantTarget.Avif];
        Assert.Equal(expected, avif.Format);
        Assert.Equal(expectedLength, avif.Body.Length);
        Assert.Equal(expected switch { VariantFormat.Avif => "image/avif", VariantFormat.WebP => "image/webp", _ => "image/jpeg" }, avif.ContentType);
        Assert.Equal(expected.ToString().ToLowerInvariant(), avif.Metadata[VariantDecision.FormatKey]);
        Assert.Equal(webpLength < sourceLength ? VariantFormat.WebP : VariantFormat.Original, outcomes[VariantTarget.WebP].Format);
    }

    [Fact]
    public void DecideAll_NoAvif_AvifKeyHoldsTheWebPChoiceWithTheSkipReason()
    {
        var outcomes = VariantDecision.DecideAll(new byte[100], "image/gif", SourceImageKind.Gif, new EncodedVariants(Encoded(40), null, "animated (3 frames): WebP only"));

        Assert.Equal(VariantFormat.WebP, outcomes[VariantTarget.Avif].Format);
        Assert.Equal("image/webp", outcomes[VariantTarget.Avif].ContentType);
        Assert.Equal("animated (3 frames): WebP only", outcomes[VariantTarget.Avif].Metadata[VariantDecision.AvifSkippedKey]);
        Assert.False(outcomes[VariantTarget.WebP].Metadata.ContainsKey(VariantDecision.AvifSkippedKey));
    }

    [Fact]
    public void EncodeAndDecide_EncoderWithAvif_AsksForTheEncoderWithoutAvif()
    {
        var encoder = new AvifSwitchingEncoder();

        var outcome = VariantDecision.EncodeAndDecide(encoder, new byte[100], "image/jpeg", SourceImageKind.Jpeg);

        Assert.True(encoder.WithoutAvifCalled);
        Assert.Equal(VariantFormat.WebP, outcome.Format);
        Assert.Equal(40, outcome.Body.Length);
    }

    [Fact]
    public void Decide_WebPSmaller_WritesWebPWithMetadata()
    {
        var outcome = VariantDecision.Decide(new byte[100], "image/jpeg", SourceImageKind.Jpeg, Encoded(99));

        Assert.Equal(VariantFormat.WebP, outcome.Format);
        Assert.True(outcome.ShouldWrite);
        Assert.Equal("image/webp", outcome.ContentType);
        Assert.Equal(99, outcome.Body.Length);
        Assert.Equal("webp", outcome.Metadata["variant-format"]);
        Assert.Equal("lossy-q86", outcome.Metadata["variant-rule"]);
        Assert.Equal("10", outcome.Metadata["variant-width"]);
        Assert.Equal("20", outcome.Metadata["variant-height"]);
        Assert.Equal("1", outcome.Metadata["variant-frames"]);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(101)]
    public void Decide_WebPNotSmaller_WritesOriginalBytesAndType(int webpLength)
    {
        var source = new byte[100];
        source[0] = 0x89;

        var outcome = VariantDecision.Decide(source, "image/png; charset=binary", SourceImageKind.Png, Encoded(webpLength));

        Assert.Equal(VariantFormat.Original, outcome.Format);
        Assert.Equal("image/png; charset=binary", outcome.ContentType);
        Assert.Equal(source, outcome.Body.ToArray());
        Assert.Equal("original", outcome.Metadata["variant-format"]);
    }

    [Theory]
    [InlineData(null, SourceImageKind.Gif, "image/gif")]
    [InlineData("", SourceImageKind.Jpeg, "image/jpeg")]
    [InlineData("  ", SourceImageKind.Png, "image/png")]
    public void Decide_OriginalWithoutContentType_UsesKindType(string? contentType, SourceImageKind kind, string expected)
    {
        var outcome = VariantDecision.Decide(new byte[5], contentType, kind, Encoded(50));

        Assert.Equal(expected, outcome.ContentType);
    }

    [Fact]
    public void Rejected_Rejection_WritesNothingAndRecordsCode()
    {
        var rejection = new ImageRejectedException(ImageRejectionCode.PixelLimitExceeded, "too big");

        var outcome = VariantDecision.Rejected(rejection);

        Assert.False(outcome.ShouldWrite);
        Assert.Equal(VariantFormat.None, outcome.Format);
        Assert.Null(outcome.ContentType);
        Assert.True(outcome.Body.IsEmpty);
        Assert.Equal("none", outcome.Metadata["variant-format"]);
        Assert.Equal("pixel-limit-exceeded", outcome.Metadata["variant-rejection"]);
        Assert.Same(rejection, outcome.Rejection);
        Assert.Equal("too big", rejection.Reason);
    }

    [Fact]
    public void EncodeAndDecide_EncoderRejects_ReturnsRejectedOutcome()
    {
        var outcome = VariantDecision.EncodeAndDecide(new RejectingEncoder(), new byte[3], "image/jpeg", SourceImageKind.Jpeg);

        Assert.Equal("corrupt", outcome.Metadata["variant-rejection"]);
    }

    [Fact]
    public void EncodeAndDecide_EncoderThrowsOtherException_Propagates()
    {
        Assert.Throws<InvalidOperationException>(() =>
            VariantDecision.EncodeAndDecide(new BrokenEncoder(), new byte[3], "image/jpeg", SourceImageKind.Jpeg));
    }

    [Fact]
    public async Task EncodeAndDecideAsync_EstimateOverTheWholeBudget_RejectsWithoutEncoding()
    {
        var encoder = new CountingEncoder(peakBytes: 2_000_000_000);

        var outcome = await VariantDecision.EncodeAndDecideAsync(encoder, new MemoryBudget(1L << 30), new byte[3], "image/png", SourceImageKind.Png, CancellationToken.None);

        Assert.Equal(VariantFormat.None, outcome.Format);
        Assert.Equal(ImageRejectionCode.OverMemoryBudget, outcome.Rejection!.Code);
        Assert.Contains("1024 MiB", outcome.Rejection.Reason, StringComparison.Ordinal);
        Assert.Equal("over-memory-budget", outcome.Metadata[VariantDecision.RejectionKey]);
        Assert.Equal(0, encoder.Encodes);
    }

    [Fact]
    public async Task EncodeAndDecideAsync_BadHeader_RejectsWithoutEncoding()
    {
        var outcome = await VariantDecision.EncodeAndDecideAsync(new RejectingEncoder(), new MemoryBudget(1L << 30), new byte[3], "image/jpeg", SourceImageKind.Jpeg, CancellationToken.None);

        Assert.Equal(ImageRejectionCode.Corrupt, outcome.Rejection!.Code);
    }

    [Fact]
    public async Task EncodeAndDecideAsync_HoldsTheEstimateWhileEncodingAndReleasesIt()
    {
        var budget = new MemoryBudget(1000);
        var encoder = new CountingEncoder(peakBytes: 700, onEncode: () => Assert.Equal(700, budget.InUse));

        var outcome = await VariantDecision.EncodeAndDecideAsync(encoder, budget, new byte[3], "image/png", SourceImageKind.Png, CancellationToken.None);

        Assert.Equal(VariantFormat.WebP, outcome.Format);
        Assert.Equal(1, encoder.Encodes);
        Assert.Equal(0, budget.InUse);
    }

    /// <summary>Makes an AVIF unless asked for its AVIF-free self, which makes a 40-byte WebP only.</summary>
    private sealed class AvifSwitchingEncoder(bool avif = true) : IVariantEncoder
    {
        public bool WithoutAvifCalled { get; private set; }

        public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind) => avif
            ? throw new InvalidOperationException("the AVIF encode ran for a WebP-only caller")
            : new EncodedVariants(Encoded(40), null, "AVIF not requested");

        public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind) => new(10, 20, 1, 1);

        public IVariantEncoder WithoutAvif()
        {
            WithoutAvifCalled = true;
            return new AvifSwitchingEncoder(avif: false);
        }
    }

    private sealed class RejectingEncoder : IVariantEncoder
    {
        public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind) =>
            throw new ImageRejectedException(ImageRejectionCode.Corrupt, "truncated");

        public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind) =>
            throw new ImageRejectedException(ImageRejectionCode.Corrupt, "truncated");
    }

    private sealed class BrokenEncoder : IVariantEncoder
    {
        public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind) =>
            throw new InvalidOperationException("bug");

        public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind) => new(1, 1, 1, 1);
    }

    private sealed class CountingEncoder(long peakBytes, Action? onEncode = null) : IVariantEncoder
    {
        private int _encodes;

        public int Encodes => _encodes;

        public EncodedVariants Encode(ReadOnlyMemory<byte> source, SourceImageKind kind)
        {
            Interlocked.Increment(ref _encodes);
            onEncode?.Invoke();
            return new EncodedVariants(new EncodedVariant([1], VariantTarget.WebP, 10, 10, 1, "lossless"), null, "AVIF is off (Formats)");
        }

        public EncodeEstimate Estimate(ReadOnlyMemory<byte> source, SourceImageKind kind) => new(10_000, 10_000, 1, peakBytes);
    }
}
