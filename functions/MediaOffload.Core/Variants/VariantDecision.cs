namespace MediaOffload.Core.Variants;

/// <summary>What the variant object holds.</summary>
public enum VariantFormat
{
    /// <summary>Nothing is written: the source was rejected.</summary>
    None,

    /// <summary>The encoded WebP, content type <c>image/webp</c>.</summary>
    WebP,

    /// <summary>The source bytes with the source content type, because no variant was smaller.</summary>
    Original,

    /// <summary>The encoded AVIF, content type <c>image/avif</c> (at the AVIF key only).</summary>
    Avif,
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

/// <summary>
/// Pure choice of what each variant key holds. The WebP key holds the WebP when it is strictly smaller than the
/// original, else the original. The AVIF key holds the smallest of AVIF, WebP and original, so a client that prefers
/// AVIF never gets more bytes than the WebP key would give it, and never a 404; without an AVIF it holds the WebP key's
/// choice.
/// </summary>
public static class VariantDecision
{
    /// <summary>Metadata key with <c>avif</c>, <c>webp</c>, <c>original</c> or <c>none</c>.</summary>
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

    /// <summary>Metadata key, on the AVIF key's outcome only, with why no AVIF was made (<see cref="EncodedVariants.AvifSkipped"/>).</summary>
    public const string AvifSkippedKey = "variant-avif-skipped";

    /// <summary>
    /// WebP when it is strictly smaller than <paramref name="source"/>; otherwise the source bytes with
    /// <paramref name="sourceContentType"/> (or the canonical type of <paramref name="kind"/> when that is empty).
    /// </summary>
    public static VariantOutcome Decide(
        ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind, EncodedVariant encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        return encoded.Bytes.Length < source.Length
            ? Chosen(encoded.Target == VariantTarget.Avif ? VariantFormat.Avif : VariantFormat.WebP, encoded.Bytes, encoded.Target.ContentType(), encoded)
            : Chosen(VariantFormat.Original, source, string.IsNullOrWhiteSpace(sourceContentType) ? kind.ContentType() : sourceContentType, encoded);
    }

    /// <summary>
    /// What each key holds: <see cref="VariantTarget.WebP"/> as <see cref="Decide"/>; <see cref="VariantTarget.Avif"/>
    /// the AVIF when it is strictly smaller than the WebP key's choice, else that choice (also when no AVIF was made,
    /// with <see cref="AvifSkippedKey"/> in its metadata).
    /// </summary>
    public static IReadOnlyDictionary<VariantTarget, VariantOutcome> DecideAll(
        ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind, EncodedVariants encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var webp = Decide(source, sourceContentType, kind, encoded.WebP);
        VariantOutcome avif;
        if (encoded.Avif is { } made && made.Bytes.Length < webp.Body.Length)
        {
            avif = Chosen(VariantFormat.Avif, made.Bytes, VariantTarget.Avif.ContentType(), made);
        }
        else
        {
            var metadata = new Dictionary<string, string>(webp.Metadata, StringComparer.Ordinal);
            if (encoded.Avif is null && !string.IsNullOrEmpty(encoded.AvifSkipped))
            {
                metadata[AvifSkippedKey] = encoded.AvifSkipped;
            }

            avif = webp with { Metadata = metadata };
        }

        return new Dictionary<VariantTarget, VariantOutcome> { [VariantTarget.WebP] = webp, [VariantTarget.Avif] = avif };
    }

    private static VariantOutcome Chosen(VariantFormat format, ReadOnlyMemory<byte> body, string contentType, EncodedVariant encoded)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = format switch
            {
                VariantFormat.WebP => "webp",
                VariantFormat.Avif => "avif",
                _ => "original",
            },
            [RuleKey] = encoded.Rule,
            [WidthKey] = encoded.Width.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [HeightKey] = encoded.Height.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [FramesKey] = encoded.Frames.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return new VariantOutcome(format, body, contentType, metadata, null);
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
    /// The WebP key's outcome alone, as before AVIF: runs <paramref name="encoder"/> with AVIF off
    /// (<see cref="IVariantEncoder.WithoutAvif"/>) and decides. Rejections become <see cref="VariantFormat.None"/>
    /// outcomes; any other exception (a bug, libvips missing) propagates.
    /// </summary>
    public static VariantOutcome EncodeAndDecide(
        IVariantEncoder encoder, ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        return EncodeAndDecideAll(encoder.WithoutAvif(), source, sourceContentType, kind)[VariantTarget.WebP];
    }

    /// <summary>
    /// Runs <paramref name="encoder"/> (one decode, every enabled format) and decides every key. A rejection is the
    /// outcome of both keys; any other exception propagates.
    /// </summary>
    public static IReadOnlyDictionary<VariantTarget, VariantOutcome> EncodeAndDecideAll(
        IVariantEncoder encoder, ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        EncodedVariants encoded;
        try
        {
            encoded = encoder.Encode(source, kind);
        }
        catch (ImageRejectedException rejection)
        {
            return RejectedAll(rejection);
        }

        return DecideAll(source, sourceContentType, kind, encoded);
    }

    /// <summary>
    /// <see cref="EncodeAndDecide"/> (WebP key only, AVIF never encoded) admitted against <paramref name="budget"/>.
    /// </summary>
    public static async Task<VariantOutcome> EncodeAndDecideAsync(
        IVariantEncoder encoder, MemoryBudget budget, ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var all = await EncodeAndDecideAllAsync(encoder.WithoutAvif(), budget, source, sourceContentType, kind, cancellationToken);
        return all[VariantTarget.WebP];
    }

    /// <summary>
    /// <see cref="EncodeAndDecideAll"/> admitted against <paramref name="budget"/>: the header is read first, the
    /// estimate (both encodes' peak) is held while the encode runs, and an image that could never fit is rejected with
    /// the numbers, never attempted.
    /// </summary>
    public static async Task<IReadOnlyDictionary<VariantTarget, VariantOutcome>> EncodeAndDecideAllAsync(
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
            return RejectedAll(rejection);
        }

        if (!budget.CanEverFit(estimate.PeakBytes))
        {
            return RejectedAll(new ImageRejectedException(ImageRejectionCode.OverMemoryBudget, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{estimate.Width}x{estimate.Height} would need about {estimate.PeakBytes / (1024 * 1024)} MiB to encode; the memory budget is {budget.Bytes / (1024 * 1024)} MiB")));
        }

        using var lease = await budget.AcquireAsync(estimate.PeakBytes, cancellationToken);
        return await Task.Run(() => EncodeAndDecideAll(encoder, source, sourceContentType, kind), cancellationToken);
    }

    private static Dictionary<VariantTarget, VariantOutcome> RejectedAll(ImageRejectedException rejection)
    {
        var outcome = Rejected(rejection);
        return new Dictionary<VariantTarget, VariantOutcome> { [VariantTarget.WebP] = outcome, [VariantTarget.Avif] = outcome };
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
