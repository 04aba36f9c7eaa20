using System.Globalization;
using System.Runtime.InteropServices;
using MediaOffload.Core.Variants;

namespace MediaOffload.Imaging;

/// <summary>One decode → orient → sRGB → WebP pass over a pinned source buffer.</summary>
internal static unsafe class VipsPipeline
{
    /// <summary>Result of one pass.</summary>
    internal sealed record Pass(byte[] WebP, int Width, int FrameHeight, int Frames);

    /// <summary>
    /// Checks which loader libvips would use and that it is the declared kind, so nothing outside
    /// JPEG/PNG/GIF (SVG, PDF, TIFF...) ever reaches a decoder.
    /// </summary>
    internal static void CheckLoader(byte* data, nuint length, SourceImageKind kind)
    {
        var name = Marshal.PtrToStringUTF8(Vips.ForeignFindLoadBuffer(data, length));
        if (name is null)
        {
            throw new ImageRejectedException(
                ImageRejectionCode.FormatMismatch,
                $"libvips found no loader for the data: {VipsException.TakeErrorText()}");
        }

        var expected = kind switch
        {
            SourceImageKind.Jpeg => "Jpeg",
            SourceImageKind.Png => "Png",
            SourceImageKind.Gif => "Gif",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };

        // Class names such as VipsForeignLoadJpegBuffer, VipsForeignLoadPngBuffer, VipsForeignLoadNsgifBuffer.
        if (!name.Contains(expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageRejectedException(
                ImageRejectionCode.FormatMismatch,
                $"declared {kind} but libvips picked loader {name}");
        }
    }

    /// <summary>The header as a sequential load sees it: no pixel is decoded. Applies the pixel limit.</summary>
    internal static (int Width, int Height, int Frames, int Bands, int Orientation) ReadHeader(byte* data, nuint length, SourceImageKind kind, VariantOptions options)
    {
        using var image = Load(data, length, "access=sequential,fail_on=truncated" + (kind == SourceImageKind.Gif ? ",n=-1" : ""));
        CheckPixels(image, options);
        var height = Vips.ImageGetHeight(image);
        var pageHeight = Vips.ImageGetPageHeight(image);
        var frames = pageHeight > 0 && height % pageHeight == 0 ? height / pageHeight : 1;
        return (Vips.ImageGetWidth(image), height, frames, Vips.ImageGetBands(image), Vips.ImageGetOrientation(image));
    }

    internal static Pass Run(byte* data, nuint length, SourceImageKind kind, WebPSetting setting, VariantOptions options)
    {
        // Sequential access streams the decode strip by strip, so memory stays near one WebP picture.
        var loadOptions = "access=sequential,fail_on=truncated" + (kind == SourceImageKind.Gif ? ",n=-1" : "");
        var image = Load(data, length, loadOptions);
        try
        {
            CheckPixels(image, options);

            // Rotation and vertical flips read the source out of order, which a sequential loader refuses;
            // only then pay for random access (a full decode into memory, bounded by MaxPixels).
            var orientation = Vips.ImageGetOrientation(image);
            if (orientation > 2)
            {
                image.Dispose();
                image = Load(data, length, loadOptions.Replace("access=sequential", "access=random", StringComparison.Ordinal));
            }

            if (orientation > 1)
            {
                image = Step(image, Vips.Autorot(image, out var rotated), rotated, "autorot");
            }

            image = ToSrgb8(image);

            var width = Vips.ImageGetWidth(image);
            var height = Vips.ImageGetHeight(image);
            var pageHeight = Vips.ImageGetPageHeight(image);
            var frames = pageHeight > 0 && height % pageHeight == 0 ? height / pageHeight : 1;

            // Still lossy images skip webpsave: libvips 8.14 would hold the frame as RGB and libwebp its own
            // copy next to it; here the RGB is released as soon as libwebp has converted it to YUV420.
            // With metadata kept (StripMetadata = false) webpsave is still used, since it writes the EXIF.
            if (!setting.Lossless && frames == 1 && options.StripMetadata
                && width <= WebP.MaxDimension && height <= WebP.MaxDimension && TryPackedRgb(ref image, out var bands))
            {
                return new Pass(EncodeLossy(ref image, width, height, bands, setting), width, height, 1);
            }

            if (Vips.ImageWriteToBuffer(image, SaveSuffix(setting, options.StripMetadata), out var buffer, out var size) != 0)
            {
                buffer.Dispose();
                throw Rejected("decode/encode", VipsException.FromErrorBuffer("webpsave"));
            }

            using (buffer)
            {
                var webp = buffer.ToArray(size);

                // libvips 8.14 ignores webpsave's strip flag and always writes EXIF (libvips issue #3340),
                // so the metadata chunks are also removed from the container here.
                return new Pass(options.StripMetadata ? WebPContainer.StripMetadata(webp) : webp, width, height / frames, frames);
            }
        }
        finally
        {
            image.Dispose();
        }
    }

    /// <summary>
    /// Makes <paramref name="image"/> 8-bit RGB or RGBA, the layouts libwebp imports. Grey (with or without
    /// alpha) goes through <c>colourspace(srgb)</c>, as webpsave does; anything else stays on webpsave.
    /// </summary>
    private static bool TryPackedRgb(ref VipsImageHandle image, out int bands)
    {
        bands = Vips.ImageGetBands(image);
        if (bands is 1 or 2 && Vips.ColourspaceIsSupported(image) != 0)
        {
            image = Step(image, Vips.Colourspace(image, out var srgb, Vips.InterpretationSrgb), srgb, "colourspace");
            bands = Vips.ImageGetBands(image);
        }

        return bands is 3 or 4 && Vips.ImageGetFormat(image) == Vips.FormatUchar;
    }

    /// <summary>
    /// Decodes <paramref name="image"/> into packed pixels, releases it, and encodes those with libwebp's
    /// advanced API using the same configuration as <c>cwebp -q Q -m effort</c>. The output is a plain
    /// VP8 (or VP8X + ALPH + VP8) file with no metadata chunks.
    /// </summary>
    private static byte[] EncodeLossy(ref VipsImageHandle image, int width, int height, int bands, WebPSetting setting)
    {
        WebP.Config config;
        if (WebP.ConfigInitInternal(&config, WebP.PresetDefault, setting.Quality, WebP.EncoderAbiVersion) == 0)
        {
            throw new InvalidOperationException(
                $"{WebP.Library} (encoder version 0x{WebP.GetEncoderVersion():x6}) rejected WebPConfig ABI 0x{WebP.EncoderAbiVersion:x4}.");
        }

        config.Method = setting.Effort;
        if (WebP.ValidateConfig(&config) == 0)
        {
            throw new InvalidOperationException($"libwebp rejected the configuration Q={setting.Quality}, method={setting.Effort}.");
        }

        using var picture = WebPPictureHandle.Create(width, height);
        using (var pixels = Vips.ImageWriteToMemory(image, out var size))
        {
            if (pixels.IsInvalid)
            {
                throw Rejected("decode", VipsException.FromErrorBuffer("decode"));
            }

            // The decode is finished: drop the loader, its source pointer and its buffers before libwebp allocates.
            image.Dispose();

            var stride = width * bands;
            if (size != (nuint)stride * (nuint)height)
            {
                throw new InvalidOperationException($"libvips rendered {size} bytes for {width}x{height}x{bands}.");
            }

            var rgb = (byte*)pixels.DangerousGetHandle();
            var imported = bands == 4
                ? WebP.PictureImportRgba(picture, rgb, stride)
                : WebP.PictureImportRgb(picture, rgb, stride);
            if (imported == 0)
            {
                throw EncodeFailed(picture);
            }
        }

        using var writer = WebPMemoryWriterHandle.Create();
        picture.Picture->Writer = WebP.MemoryWriteFunction;
        picture.Picture->CustomPtr = writer.Writer;
        if (WebP.Encode(&config, picture) == 0)
        {
            throw EncodeFailed(picture);
        }

        return writer.ToArray();
    }

    private static ImageRejectedException EncodeFailed(WebPPictureHandle picture)
    {
        var error = WebP.ErrorName(picture.Picture->ErrorCode);
        return new ImageRejectedException(ImageRejectionCode.Corrupt, $"encode failed: libwebp {error}");
    }

    /// <summary>The webpsave option string, e.g. <c>.webp[Q=86,effort=4,strip]</c>.</summary>
    internal static string SaveSuffix(WebPSetting setting, bool strip)
    {
        var options = setting.Lossless
            ? string.Create(CultureInfo.InvariantCulture, $"lossless,effort={setting.Effort}")
            : string.Create(CultureInfo.InvariantCulture, $"Q={setting.Quality},effort={setting.Effort}");
        return $".webp[{options}{(strip ? ",strip" : "")}]";
    }

    private static VipsImageHandle Load(byte* data, nuint length, string loadOptions)
    {
        var image = Vips.ImageNewFromBuffer(data, length, loadOptions);
        if (image.IsInvalid)
        {
            image.Dispose();
            throw Rejected("header", VipsException.FromErrorBuffer("load"));
        }

        return image;
    }

    private static void CheckPixels(VipsImageHandle image, VariantOptions options)
    {
        // For GIFs loaded with n=-1 the height already spans every frame.
        long width = Vips.ImageGetWidth(image), height = Vips.ImageGetHeight(image);
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
    private static VipsImageHandle ToSrgb8(VipsImageHandle image)
    {
        var interpretation = Vips.ImageGetInterpretation(image);
        var hasProfile = Vips.ImageGetTypeof(image, Vips.IccProfileField) != 0;

        if (hasProfile || interpretation == Vips.InterpretationCmyk)
        {
            if (Vips.IccTransform(image, out var transformed, "srgb") == 0)
            {
                image.Dispose();
                image = transformed;
                interpretation = Vips.ImageGetInterpretation(image);
            }
            else
            {
                // A broken or mismatched profile (e.g. an RGB profile on a grey PNG) is no reason to refuse
                // the image: fall back to libvips' profile-free conversion below.
                transformed.Dispose();
                VipsException.TakeErrorText();
            }
        }

        var format = Vips.ImageGetFormat(image);
        var needsColourspace = interpretation switch
        {
            Vips.InterpretationSrgb => format != Vips.FormatUchar,
            Vips.InterpretationBW => format != Vips.FormatUchar,
            _ => true,
        };

        if (needsColourspace && Vips.ColourspaceIsSupported(image) != 0)
        {
            image = Step(image, Vips.Colourspace(image, out var srgb, Vips.InterpretationSrgb), srgb, "colourspace");
        }

        if (Vips.ImageGetFormat(image) != Vips.FormatUchar)
        {
            image = Step(image, Vips.Cast(image, out var cast, Vips.FormatUchar), cast, "cast");
        }

        return image;
    }

    /// <summary>Replaces <paramref name="input"/> by <paramref name="output"/> after a libvips call.</summary>
    private static VipsImageHandle Step(VipsImageHandle input, int status, VipsImageHandle output, string operation)
    {
        if (status != 0)
        {
            output.Dispose();
            throw Rejected(operation, VipsException.FromErrorBuffer(operation));
        }

        input.Dispose();
        return output;
    }

    private static ImageRejectedException Rejected(string stage, VipsException error) =>
        new(ImageRejectionCode.Corrupt, $"{stage} failed: {error.VipsError}", error);
}
