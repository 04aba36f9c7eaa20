using System.Globalization;
using System.Runtime.InteropServices;
using MediaOffload.Core.Variants;
using NetVips;

namespace MediaOffload.Imaging;

/// <summary>Decode → orient → 8-bit sRGB → WebP (and AVIF) over one source buffer, with NetVips.</summary>
internal static class VipsPipeline
{
    /// <summary>What the header says, read without decoding a pixel.</summary>
    internal sealed record Header(int Width, int Height, int Frames, int Bands, int Orientation);

    /// <summary>
    /// A libvips source over the caller's bytes. A whole array is pinned and read in place; any other memory is
    /// copied once. Every image loaded from it must be disposed before it is, since the pin ends with it.
    /// </summary>
    internal static Source Open(ReadOnlyMemory<byte> source) =>
        MemoryMarshal.TryGetArray(source, out var segment) && segment is { Array: { } array, Offset: 0 } && segment.Count == array.Length
            ? Source.NewFromMemory(array)
            : Source.NewFromMemory(source.Span);

    /// <summary>
    /// Checks which loader libvips' sniffers pick, among the loaders left unblocked, and that it is the declared
    /// kind's: nothing outside JPEG/PNG/GIF (and AVIF for an AVIF original) ever reaches a decoder.
    /// </summary>
    internal static void CheckLoader(Source source, SourceImageKind kind)
    {
        var name = Image.FindLoadSource(source);
        if (name is null)
        {
            throw new ImageRejectedException(ImageRejectionCode.FormatMismatch, $"libvips found no loader for the data: {TakeErrorText()}");
        }

        // Class names such as VipsForeignLoadJpegSource, VipsForeignLoadPngSource, VipsForeignLoadNsgifSource.
        if (!name.Contains(LoaderName(kind), StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageRejectedException(ImageRejectionCode.FormatMismatch, $"declared {kind} but libvips picked loader {name}");
        }
    }

    /// <summary>The header as a sequential load sees it: no pixel is decoded. Applies the pixel limit.</summary>
    internal static Header ReadHeader(Source source, SourceImageKind kind, VariantOptions options)
    {
        using var image = Load(source, kind, Enums.Access.Sequential);
        CheckPixels(image, options);
        return new Header(image.Width, image.Height, FramesOf(image), image.Bands, Orientation(image));
    }

    /// <summary>
    /// Loads, orients and converts <paramref name="source"/>; the result reads pixels lazily (sequentially when it can).
    /// </summary>
    internal static Image Prepare(Source source, SourceImageKind kind, VariantOptions options)
    {
        // Sequential access streams the decode strip by strip, so memory stays near one encoder's working set.
        var image = Load(source, kind, Enums.Access.Sequential);
        try
        {
            CheckPixels(image, options);

            // Rotation and vertical flips read the source out of order, which a sequential loader refuses;
            // only then pay for random access (a full decode into memory, bounded by MaxPixels).
            var orientation = Orientation(image);
            if (orientation > 2)
            {
                image = Replace(image, Load(source, kind, Enums.Access.Random));
            }

            if (orientation > 1)
            {
                image = Replace(image, Step("autorot", image, static i => i.Autorot()));
            }

            return ToSrgb8(image);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Frames in <paramref name="image"/>: height over page height, 1 for a still image.</summary>
    internal static int FramesOf(Image image)
    {
        var pageHeight = image.PageHeight;
        return pageHeight > 0 && image.Height % pageHeight == 0 ? image.Height / pageHeight : 1;
    }

    /// <summary>Decodes every pixel of <paramref name="image"/> into memory; a decode failure is a rejection.</summary>
    internal static Image Decode(Image image) => Step("decode", image, static i => i.CopyMemory());

    /// <summary>One WebP encode with libvips' webpsave; metadata kept only when <paramref name="keepMetadata"/>.</summary>
    internal static byte[] EncodeWebP(Image image, WebPSetting setting, bool keepMetadata) =>
        Step("decode/encode", image, i => i.WebpsaveBuffer(
            q: setting.Lossless ? null : setting.Quality,
            lossless: setting.Lossless,
            effort: setting.Effort,
            keep: keepMetadata ? Enums.ForeignKeep.All : Enums.ForeignKeep.None));

    /// <summary>One AVIF encode with libvips' heifsave: AV1 by libaom, 8-bit, lossy, chroma 4:2:0 below Q 90.</summary>
    internal static byte[] EncodeAvif(Image image, AvifSetting setting, bool keepMetadata) =>
        Step("decode/encode", image, i => i.HeifsaveBuffer(
            q: setting.Quality,
            bitdepth: 8,
            lossless: false,
            compression: Enums.ForeignHeifCompression.Av1,
            effort: setting.Effort,
            subsampleMode: Enums.ForeignSubsample.Auto,
            encoder: Enums.ForeignHeifEncoder.Aom,
            keep: keepMetadata ? Enums.ForeignKeep.All : Enums.ForeignKeep.None));

    private static string LoaderName(SourceImageKind kind) => kind switch
    {
        SourceImageKind.Jpeg => "Jpeg",
        SourceImageKind.Png => "Png",
        SourceImageKind.Gif => "Gif",
        SourceImageKind.Avif => "Heif",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    // The kind's own loader by name, never libvips' sniffing: a file is decoded only by the decoder it claims. Truncation
    // is an error, not a grey-filled image. libspng's and libheif's default limits stay on (no "unlimited").
    private static Image Load(Source source, SourceImageKind kind, Enums.Access access)
    {
        var image = Step("header", source, s => kind switch
        {
            SourceImageKind.Jpeg => Image.JpegloadSource(s, access: access, failOn: Enums.FailOn.Truncated),
            SourceImageKind.Png => Image.PngloadSource(s, access: access, failOn: Enums.FailOn.Truncated),
            SourceImageKind.Gif => Image.GifloadSource(s, n: -1, access: access, failOn: Enums.FailOn.Truncated),
            SourceImageKind.Avif => Image.HeifloadSource(s, access: access, failOn: Enums.FailOn.Truncated),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        });

        // heifload reads HEIC (HEVC) as well; only AV1 is an AVIF original.
        if (kind == SourceImageKind.Avif && !(image.Contains("heif-compression") && string.Equals(image.Get("heif-compression") as string, "av1", StringComparison.Ordinal)))
        {
            image.Dispose();
            throw new ImageRejectedException(ImageRejectionCode.FormatMismatch, "declared Avif but the HEIF file is not AV1-coded");
        }

        return image;
    }

    private static int Orientation(Image image) =>
        image.Contains("orientation") && image.Get("orientation") is int orientation ? orientation : 1;

    private static void CheckPixels(Image image, VariantOptions options)
    {
        // For GIFs loaded with n=-1 the height already spans every frame.
        long width = image.Width, height = image.Height;
        var pixels = width * height;
        if (pixels > options.MaxPixels)
        {
            throw new ImageRejectedException(
                ImageRejectionCode.PixelLimitExceeded,
                string.Create(CultureInfo.InvariantCulture,
                    $"header says {width}x{height} = {pixels} pixels (all frames), over the limit of {options.MaxPixels}"));
        }
    }

    /// <summary>Brings any colour model and depth to 8-bit sRGB (alpha kept), honouring an embedded ICC profile.</summary>
    private static Image ToSrgb8(Image image)
    {
        if (image.Contains("icc-profile-data") || image.Interpretation == Enums.Interpretation.Cmyk)
        {
            try
            {
                // The embedded profile when there is one, else libvips' built-in CMYK profile.
                image = Replace(image, image.IccTransform("srgb", embedded: true));
            }
            catch (NetVips.VipsException)
            {
                // A broken or mismatched profile (e.g. an RGB profile on a grey PNG) is no reason to refuse
                // the image: fall back to libvips' profile-free conversion below.
                TakeErrorText();
            }
        }

        var needsColourspace = image.Interpretation switch
        {
            Enums.Interpretation.Srgb or Enums.Interpretation.Bw => image.Format != Enums.BandFormat.Uchar,
            _ => true,
        };

        if (needsColourspace)
        {
            image = Replace(image, Step("colourspace", image, static i => i.Colourspace(Enums.Interpretation.Srgb)));
        }

        if (image.Format != Enums.BandFormat.Uchar)
        {
            image = Replace(image, Step("cast", image, static i => i.Cast(Enums.BandFormat.Uchar)));
        }

        return image;
    }

    /// <summary>Disposes <paramref name="input"/> (the pipeline keeps what it needs) and returns <paramref name="output"/>.</summary>
    private static Image Replace(Image input, Image output)
    {
        input.Dispose();
        return output;
    }

    /// <summary>Runs one libvips call; its failure is the image's fault, so it becomes a <see cref="ImageRejectionCode.Corrupt"/> rejection.</summary>
    private static TResult Step<TInput, TResult>(string stage, TInput input, Func<TInput, TResult> call)
    {
        try
        {
            return call(input);
        }
        catch (NetVips.VipsException error)
        {
            throw new ImageRejectedException(ImageRejectionCode.Corrupt, $"{stage} failed: {Flatten(error.Message)}", error);
        }
    }

    /// <summary>libvips' error text on one line, without NetVips' "unable to call …" preamble.</summary>
    internal static string Flatten(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("unable to call ", StringComparison.Ordinal)).ToArray();
        return lines.Length == 0 ? message.Trim() : string.Join("; ", lines);
    }

    /// <summary>
    /// Reads and clears libvips' process-wide error buffer, so a failure we handled does not leak into the next
    /// exception's text. Under parallel failures one message may carry another call's text too.
    /// </summary>
    private static string TakeErrorText()
    {
        var text = Flatten(new NetVips.VipsException(string.Empty).Message);
        return string.IsNullOrEmpty(text) ? "no detail in the libvips error buffer" : text;
    }
}
