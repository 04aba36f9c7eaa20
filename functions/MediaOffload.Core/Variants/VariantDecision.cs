namespace MediaOffload.Core.Variants;

/// <summary>What the variant object holds.</summary>
public enum VariantFormat
{
    /// <summary>Nothing is written: the source was rejected.</summary>
    None,

    /// <summary>The encoded WebP, content type <c>image/webp</c>.</summary>
    WebP,

    /// <summary>The source bytes with the source content type, because WebP was not smaller.</summary>
    Original,
}

/// <summary>What to write at the variant key.</summary>
/// <param name="Format">Which body was chosen.</param>
/// <param name="Body">Bytes to write; empty when <paramref name="Format"/> is <see cref="VariantFormat.None"/>.</param>
/// <param name="ContentType">Content-Type to write; null when nothing is written.</param>
/// <param name="Metadata">User metadata for the variant (ASCII keys and values), or, when rejected, for logging.</param>
/// <param name="Rejection">The rejection, when <paramref name="Format"/> is <see cref="VariantFormat.None"/>.</param>
public sealed record VariantOutcome(
    VariantFormat Format,
    ReadOnlyMemory<byte> Body,
    string? ContentType,
    IReadOnlyDictionary<string, string> Metadata,
    ImageRejectedException? Rejection)
{
    /// <summary>True when a variant object should be written.</summary>
    public bool ShouldWrite => Format != VariantFormat.None;
}

/// <summary>Pure choice between the WebP and the original bytes for the variant object.</summary>
public static class VariantDecision
{
    /// <summary>Metadata key with <c>webp</c>, <c>original</c> or <c>none</c>.</summary>
    public const string FormatKey = "variant-format";

    /// <summary>Metadata key with the encoder rule, e.g. <c>lossy-q86</c>.</summary>
    public const string RuleKey = "variant-rule";

    /// <summary>Metadata key with the width in pixels.</summary>
    public const string WidthKey = "variant-width";

    /// <summary>Metadata key with the height of one frame in pixels.</summary>
    public const string HeightKey = "variant-height";

    /// <summary>Metadata key with the frame count.</summary>
    public const string FramesKey = "variant-frames";

    /// <summary>Metadata key with the rejection code in kebab case, e.g. <c>pixel-limit-exceeded</c>.</summary>
    public const string RejectionKey = "variant-rejection";

    /// <summary>
    /// WebP when it is strictly smaller than <paramref name="source"/>; otherwise the source bytes with
    /// <paramref name="sourceContentType"/> (or the canonical type of <paramref name="kind"/> when that is empty).
    /// </summary>
    public static VariantOutcome Decide(
        ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind, EncodedVariant encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [RuleKey] = encoded.Rule,
            [WidthKey] = encoded.Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [HeightKey] = encoded.Height.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [FramesKey] = encoded.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        if (encoded.WebP.Length < source.Length)
        {
            metadata[FormatKey] = "webp";
            return new VariantOutcome(VariantFormat.WebP, encoded.WebP, SourceImageKinds.WebPContentType, metadata, null);
        }

        metadata[FormatKey] = "original";
        var contentType = string.IsNullOrWhiteSpace(sourceContentType) ? kind.ContentType() : sourceContentType;
        return new VariantOutcome(VariantFormat.Original, source, contentType, metadata, null);
    }

    /// <summary>The outcome for a rejected source: nothing to write, metadata for the log.</summary>
    public static VariantOutcome Rejected(ImageRejectedException rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = "none",
            [RejectionKey] = Kebab(rejection.Code),
        };
        return new VariantOutcome(VariantFormat.None, ReadOnlyMemory<byte>.Empty, null, metadata, rejection);
    }

    /// <summary>
    /// Runs <paramref name="encoder"/> and decides: the one call an event handler needs. Rejections become
    /// <see cref="VariantFormat.None"/> outcomes; any other exception (a bug, libvips missing) propagates.
    /// </summary>
    public static VariantOutcome EncodeAndDecide(
        IVariantEncoder encoder, ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        EncodedVariant encoded;
        try
        {
            encoded = encoder.Encode(source, kind);
        }
        catch (ImageRejectedException rejection)
        {
            return Rejected(rejection);
        }

        return Decide(source, sourceContentType, kind, encoded);
    }

    /// <summary>
    /// <see cref="EncodeAndDecide"/> admitted against <paramref name="budget"/>: the header is read first, the estimate
    /// is held while the encode runs, and an image that could never fit is rejected with the numbers, never attempted.
    /// </summary>
    public static async Task<VariantOutcome> EncodeAndDecideAsync(
        IVariantEncoder encoder, MemoryBudget budget, ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(budget);
        EncodeEstimate estimate;
        try
        {
            estimate = encoder.Estimate(source, kind);
        }
        catch (ImageRejectedException rejection)
        {
            return Rejected(rejection);
        }

        if (!budget.CanEverFit(estimate.PeakBytes))
        {
            return Rejected(new ImageRejectedException(ImageRejectionCode.OverMemoryBudget, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{estimate.Width}x{estimate.Height} would need about {estimate.PeakBytes / (1024 * 1024)} MiB to encode; the memory budget is {budget.Bytes / (1024 * 1024)} MiB")));
        }

        using var lease = await budget.AcquireAsync(estimate.PeakBytes, cancellationToken);
        return await Task.Run(() => EncodeAndDecide(encoder, source, sourceContentType, kind), cancellationToken);
    }

    private static string Kebab(ImageRejectionCode code) => code switch
    {
        ImageRejectionCode.Empty => "empty",
        ImageRejectionCode.InputTooLarge => "input-too-large",
        ImageRejectionCode.FormatMismatch => "format-mismatch",
        ImageRejectionCode.PixelLimitExceeded => "pixel-limit-exceeded",
        ImageRejectionCode.Corrupt => "corrupt",
        ImageRejectionCode.OverMemoryBudget => "over-memory-budget",
        _ => code.ToString().ToLowerInvariant(),
    };
}
