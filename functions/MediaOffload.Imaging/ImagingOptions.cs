namespace MediaOffload.Imaging;

/// <summary>
/// Process-wide libvips settings, applied by <see cref="LibvipsRuntime.EnsureInitialized(ImagingOptions)"/>.
/// Per-image rules and limits (quality, max pixels, max input bytes) are in
/// <see cref="MediaOffload.Core.Variants.VariantOptions"/>.
/// </summary>
public sealed class ImagingOptions
{
    /// <summary>
    /// Worker threads per libvips pipeline (<c>NetVips.Concurrency</c>). Default <c>0</c>: leave libvips'
    /// default (the <c>VIPS_CONCURRENCY</c> variable, else the CPU count). Applied only when greater than 0.
    /// Set 1 when the service already runs one encode per core.
    /// </summary>
    public int Concurrency { get; set; }

    /// <summary>
    /// Most operations kept in libvips' operation cache (<c>Cache.Max</c>). Default <c>0</c>: a
    /// service never repeats an operation on the same image, and cached operations would keep source
    /// buffers and decoded pixels alive after the encode returns.
    /// </summary>
    public int CacheMaxOperations { get; set; }

    /// <summary>Most bytes held by the operation cache (<c>Cache.MaxMem</c>). Default <c>0</c>.</summary>
    public long CacheMaxMemoryBytes { get; set; }

    /// <summary>Most files held open by the operation cache (<c>Cache.MaxFiles</c>). Default <c>0</c>.</summary>
    public int CacheMaxFiles { get; set; }

    /// <summary>
    /// Block every operation libvips marks untrusted (<c>NetVips.BlockUntrusted</c>) and every loader except the JPEG,
    /// PNG, GIF and HEIF source loaders the encoder calls (<c>Operation.Block</c>), on the first initialisation.
    /// Default <c>true</c>.
    /// </summary>
    public bool BlockUntrustedLoaders { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for negative values.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Concurrency, nameof(Concurrency));
        ArgumentOutOfRangeException.ThrowIfNegative(CacheMaxOperations, nameof(CacheMaxOperations));
        ArgumentOutOfRangeException.ThrowIfNegative(CacheMaxMemoryBytes, nameof(CacheMaxMemoryBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(CacheMaxFiles, nameof(CacheMaxFiles));
    }
}
