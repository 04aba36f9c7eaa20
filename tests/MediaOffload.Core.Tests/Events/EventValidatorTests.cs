using MediaOffload.Core.Events;
using MediaOffload.Core.Media;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Tests.Events;

public sealed class EventValidatorTests
{
    private const string Site = "https://blog.example.com";
    private const string Uploads = Site + "/wp-content/uploads/";
    private const string Md5 = "0123456789ABCDEF0123456789abcdef";
    private const long MaxBytes = 10 * 1024 * 1024;

    private static EventRules Rules(bool allowHttp = false, IReadOnlyDictionary<string, string>? cache = null, string[]? uploadsUrls = null) => new(
        new MediaKeys(),
        new CachePolicy(cache),
        new OriginAllowlist([Site, "http://blog.example.com"], allowHttp),
        new UploadsLocations([Site, "http://blog.example.com"], uploadsUrls),
        MaxBytes,
        MaxFilesPerEvent: 5);

    private static MediaEventFile File(string path, string? url = null, long? size = 1234, string? md5 = Md5, string? mime = "image/jpeg") =>
        new(path, url ?? Uploads + path, size, md5, mime, new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)));

    private static MediaEvent Upload(params MediaEventFile?[] files) => new(MediaEventTypes.Uploaded, Site, 42, files);

    private static void AssertProblem(EventValidation result, EventProblem problem, string field)
    {
        Assert.False(result.IsValid);
        Assert.Null(result.Job);
        Assert.Equal(problem, result.Problem);
        Assert.True(result.Errors.ContainsKey(field), $"expected an error for '{field}', got: {string.Join(", ", result.Errors.Keys)}");
        Assert.All(result.Errors[field], m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }

    [Fact]
    public void Validate_ValidUpload_GivesJobWithKeysTypesPolicyAndSortedFiles()
    {
        var rules = Rules(cache: new Dictionary<string, string> { ["pdf"] = "public, max-age=3600" });
        var evt = Upload(
            File("2024/05/photo.jpg"),
            File("2024/05/doc.pdf", size: 99, mime: "application/pdf"),
            File("2024/05/photo-150x150.jpg", size: 10));

        var result = EventValidator.Validate(evt, rules);

        Assert.True(result.IsValid);
        Assert.Null(result.Problem);
        Assert.Empty(result.Errors);
        var job = result.Job!;
        Assert.Matches("^j-[0-9a-f]{32}$", job.JobId);
        Assert.Equal(MediaEventTypes.Uploaded, job.Type);
        Assert.Equal(Site, job.Site);
        Assert.Equal(42, job.AttachmentId);
        Assert.False(job.IsDelete);
        Assert.Equal(["2024/05/doc.pdf", "2024/05/photo-150x150.jpg", "2024/05/photo.jpg"], job.Files.Select(f => f.Path));

        var pdf = job.Files[0];
        Assert.Equal("wp-content/uploads/2024/05/doc.pdf", pdf.Key);
        Assert.Equal("application/pdf", pdf.Headers!.ContentType);
        Assert.Equal("public, max-age=3600", pdf.Headers.CacheControl);
        Assert.Equal(99, pdf.Size);

        var photo = job.Files[2];
        Assert.Equal("wp-content/uploads/2024/05/photo.jpg", photo.Key);
        Assert.Equal(Uploads + "2024/05/photo.jpg", photo.Url);
        Assert.Equal("image/jpeg", photo.Headers!.ContentType);
        Assert.Equal("public, max-age=31536000, immutable", photo.Headers.CacheControl);
        Assert.Equal(rules.CachePolicy.Version, photo.Headers.Meta(MediaOffload.Core.Storage.MediaMetadata.CachePolicy));
        Assert.Equal(1234, photo.Size);
        Assert.Equal("0123456789abcdef0123456789abcdef", photo.Md5);
        Assert.Equal("0123456789abcdef0123456789abcdef", photo.Headers.Meta(MediaOffload.Core.Storage.MediaMetadata.SourceMd5));
        // 12:00 at +02:00 is 10:00 UTC, written in UTC whatever offset the plugin sent.
        Assert.Equal("2024-05-01T10:00:00Z", photo.Headers.Meta(MediaOffload.Core.Storage.MediaMetadata.SourceModified));
    }

    [Fact]
    public void Validate_SameFilesInOtherOrder_SameJobId()
    {
        var a = EventValidator.Validate(Upload(File("a.jpg"), File("b.jpg")), Rules()).Job!;
        var b = EventValidator.Validate(Upload(File("b.jpg"), File("a.jpg")), Rules()).Job!;
        Assert.Equal(a.JobId, b.JobId);
    }

    [Fact]
    public void Validate_HttpAllowed_AcceptsHttpUrl()
    {
        var evt = new MediaEvent(MediaEventTypes.Updated, "http://blog.example.com", 42, [File("a.jpg", url: "http://blog.example.com/wp-content/uploads/a.jpg")]);
        Assert.True(EventValidator.Validate(evt, Rules(allowHttp: true)).IsValid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("attachment.created")]
    [InlineData("ATTACHMENT.UPLOADED")]
    public void Validate_MissingOrUnknownType_Malformed(string? type)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg")) with { Type = type }, Rules()), EventProblem.Malformed, "type");
    }

    [Fact]
    public void Validate_MissingSite_Malformed()
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg")) with { Site = null }, Rules()), EventProblem.Malformed, "site");
    }

    [Fact]
    public void Validate_NoFiles_Malformed()
    {
        AssertProblem(EventValidator.Validate(Upload(), Rules()), EventProblem.Malformed, "files");
        AssertProblem(EventValidator.Validate(Upload() with { Files = null }, Rules()), EventProblem.Malformed, "files");
    }

    [Fact]
    public void Validate_TooManyFiles_Malformed()
    {
        var files = Enumerable.Range(0, 6).Select(i => File($"{i}.jpg")).ToArray();
        AssertProblem(EventValidator.Validate(Upload(files), Rules()), EventProblem.Malformed, "files");
    }

    [Fact]
    public void Validate_NullFile_Malformed()
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg"), null), Rules()), EventProblem.Malformed, "files[1]");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Validate_MissingPath_Malformed(string? path)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg") with { Path = path }), Rules()), EventProblem.Malformed, "files[0].path");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Validate_UploadWithoutUrl_Malformed(string? url)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg") with { Url = url }), Rules()), EventProblem.Malformed, "files[0].url");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("d41d8cd9-8f00b204e9800998ecf8427")]
    public void Validate_BadMd5_Malformed(string? md5)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg", md5: md5)), Rules()), EventProblem.Malformed, "files[0].md5");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(null)]
    public void Validate_NegativeOrMissingSize_Malformed(long? size)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg", size: size)), Rules()), EventProblem.Malformed, "files[0].size");
    }

    [Fact]
    public void Validate_DuplicatePath_Malformed()
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg"), File("b.jpg"), File("a.jpg")), Rules()), EventProblem.Malformed, "files[2].path");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(null)]
    public void Validate_NonPositiveAttachmentId_Malformed(long? id)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg")) with { AttachmentId = id }, Rules()), EventProblem.Malformed, "attachmentId");
    }

    [Fact]
    public void Validate_MalformedAndRefused_MalformedWins()
    {
        var result = EventValidator.Validate(Upload(File("../../wp-config.php"), File("b.jpg", md5: "x")), Rules());
        AssertProblem(result, EventProblem.Malformed, "files[1].md5");
        Assert.False(result.Errors.ContainsKey("files[0].path"));
    }

    [Theory]
    [InlineData("../../wp-config.php")]
    [InlineData("2024/../../../wp-config.php")]
    [InlineData("/etc/passwd")]
    [InlineData("2024/05/shell.php")]
    [InlineData("2024/05/shell.PHP")]
    [InlineData("2024/05/shell.phtml")]
    [InlineData("2024/05/x.phar")]
    [InlineData(".htaccess")]
    [InlineData("2024/05/page.html")]
    [InlineData("2024/05/logo.svg")]
    [InlineData("2024/05/photo.jpg.php")]
    public void Validate_PathThatMayNotBeOffloaded_NotOffloadable(string path)
    {
        AssertProblem(EventValidator.Validate(Upload(File(path, url: Uploads + "2024/05/photo.jpg")), Rules()), EventProblem.NotOffloadable, "files[0].path");
    }

    [Theory]
    [InlineData("https://evil.example.com/wp-content/uploads/a.jpg")]
    [InlineData("https://blog.example.com:8443/wp-content/uploads/a.jpg")]
    [InlineData("https://blog.example.com.evil.example/wp-content/uploads/a.jpg")]
    [InlineData("https://user:pw@blog.example.com/wp-content/uploads/a.jpg")]
    [InlineData("ftp://blog.example.com/wp-content/uploads/a.jpg")]
    [InlineData("file:///var/www/wp-content/uploads/a.jpg")]
    [InlineData("/wp-content/uploads/a.jpg")]
    public void Validate_UrlOnHostNotAllowed_NotOffloadable(string url)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg", url: url)), Rules()), EventProblem.NotOffloadable, "files[0].url");
    }

    [Fact]
    public void Validate_HttpUrlWhenHttpNotAllowed_NotOffloadable()
    {
        var result = EventValidator.Validate(Upload(File("a.jpg", url: "http://blog.example.com/wp-content/uploads/a.jpg")), Rules(allowHttp: false));
        AssertProblem(result, EventProblem.NotOffloadable, "files[0].url");
        Assert.Contains(result.Errors["files[0].url"], m => m.Contains("http", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Site + "/wp-config.php")]
    [InlineData(Site + "/wp-content/uploads/2024/05/other.jpg")]
    [InlineData(Site + "/wp-content/uploads/2024/05/photo.jpg.php")]
    [InlineData(Site + "/wp-content/uploads/2024/05/xphoto.jpg")]
    [InlineData(Site + "/wp-content/uploads/2024/05/")]
    [InlineData(Site + "/wp-content/uploads/x%2F2024/05/photo.jpg")]
    [InlineData(Site + "/wp-content/uploads/2024%2F05/photo.jpg")]
    [InlineData(Site + "/index.php/2024/05/photo.jpg")]
    [InlineData(Site + "/wp-content/uploads/SHELL.PHP/2024/05/photo.jpg")]
    [InlineData(Site + "/x.phtml/wp-content/uploads/2024/05/photo.jpg")]
    [InlineData(Site + "/wp-json/wp-content/uploads/2024/05/photo.jpg")]
    [InlineData(Site + "/wp-json/2024/05/photo.jpg")]
    [InlineData(Site + "/2024/05/photo.jpg")]
    [InlineData(Site + "/other/wp-content/uploads/2024/05/photo.jpg")]
    [InlineData(Site + "/wp-content/uploads/2024/05/photo.jpg?ver=2")]
    [InlineData(Site + "/wp-content/uploads/2024/05/photo.jpg#x")]
    [InlineData(Site + "/wp-content/uploads//2024/05/photo.jpg")]
    [InlineData(Site + "/wp-content/uploads/x/%2e%2e/2024/05/photo.jpg")]
    public void Validate_UrlNotTheUploadsBasePlusPath_NotOffloadable(string url)
    {
        AssertProblem(EventValidator.Validate(Upload(File("2024/05/photo.jpg", url: url)), Rules()), EventProblem.NotOffloadable, "files[0].url");
    }

    [Theory]
    [InlineData("2024/05/a b+c&d.jpg", Uploads + "2024/05/a%20b+c%26d.jpg")]
    [InlineData("sites/3/2024/05/photo.jpg", Site + "/wp-content/uploads/sites/3/2024/05/photo.jpg")]
    [InlineData("2024/05/Caf\u00E9.jpg", Uploads + "2024/05/Cafe%CC%81.jpg")]
    public void Validate_UrlNamingTheSameFile_IsValid(string path, string url)
    {
        var result = EventValidator.Validate(Upload(File(path, url: url)), Rules());
        Assert.True(result.IsValid, string.Join("; ", result.Errors.SelectMany(e => e.Value)));
    }

    [Fact]
    public void Validate_ConfiguredUploadsBase_ReplacesTheDefault()
    {
        var rules = Rules(uploadsUrls: [Site + "/media"]);
        Assert.True(EventValidator.Validate(Upload(File("2024/05/photo.jpg", url: Site + "/media/2024/05/photo.jpg")), rules).IsValid);
        AssertProblem(EventValidator.Validate(Upload(File("2024/05/photo.jpg")), rules), EventProblem.NotOffloadable, "files[0].url");
    }

    [Fact]
    public void Validate_NfdUrl_RecordsTheOnDiskNameAsOwner()
    {
        var nfd = "2024/05/Cafe\u0301.jpg";
        var nfc = "2024/05/Caf\u00E9.jpg";
        var fromNfd = EventValidator.Validate(Upload(File(nfc, url: Uploads + "2024/05/Cafe%CC%81.jpg")), Rules()).Job!.Files.Single();
        var fromNfc = EventValidator.Validate(Upload(File(nfc)), Rules()).Job!.Files.Single();

        Assert.Equal(fromNfc.Key, fromNfd.Key);
        Assert.Equal(MediaOffload.Core.Ownership.KeyOwner.For(42, nfd), fromNfd.Owner);
        Assert.Equal(MediaOffload.Core.Ownership.KeyOwner.For(42, nfc), fromNfc.Owner);
        Assert.NotNull(fromNfd.Owner!.WriteConflict(fromNfc.Owner!));
    }

    [Theory]
    [InlineData("2024/05/victim.jpg.webp", "victim.jpg")]
    [InlineData("2024/05/victim.JPEG.webp", "victim.JPEG")]
    [InlineData("2024/05/victim.png.WEBP", "victim.png")]
    [InlineData("2024/05/victim.gif.avif", "victim.gif")]
    public void Validate_ReservedVariantName_NotOffloadableForUploadsAndDeletes(string path, string source)
    {
        var upload = EventValidator.Validate(Upload(File(path, mime: "image/webp")), Rules());
        AssertProblem(upload, EventProblem.NotOffloadable, "files[0].path");
        Assert.Contains(upload.Errors["files[0].path"], m => m.Contains($"variant of '{source}'", StringComparison.Ordinal));

        var delete = new MediaEvent(MediaEventTypes.Deleted, Site, 42, [new MediaEventFile(path, null, null, null, null, null)]);
        AssertProblem(EventValidator.Validate(delete, Rules()), EventProblem.NotOffloadable, "files[0].path");
    }

    [Theory]
    [InlineData("2024/05/photo.webp")]
    [InlineData("2024/05/victim.jpg-300x200.webp")]
    [InlineData("2024/05/.jpg.webp")]
    public void Validate_WebpThatIsNoVariantName_IsValid(string path)
    {
        var result = EventValidator.Validate(Upload(File(path, mime: "image/webp")), Rules());
        Assert.True(result.IsValid, string.Join("; ", result.Errors.SelectMany(e => e.Value)));
    }

    [Fact]
    public void Validate_SizeOverMax_NotOffloadable()
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg", size: MaxBytes + 1)), Rules()), EventProblem.NotOffloadable, "files[0].size");
        Assert.True(EventValidator.Validate(Upload(File("a.jpg", size: MaxBytes)), Rules()).IsValid);
    }

    [Fact]
    public void Validate_EmptyFile_NotOffloadable()
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg", size: 0)), Rules()), EventProblem.NotOffloadable, "files[0].size");
    }

    [Theory]
    [InlineData("a.jpg", "text/x-php")]
    [InlineData("a.jpg", "text/html")]
    [InlineData("a.jpg", "application/x-httpd-php")]
    [InlineData("a.pdf", "image/jpeg")]
    [InlineData("a.mp4", "image/png")]
    public void Validate_MimeNotFittingExtension_NotOffloadable(string path, string mime)
    {
        AssertProblem(EventValidator.Validate(Upload(File(path, mime: mime)), Rules()), EventProblem.NotOffloadable, "files[0].mime");
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("https://blog.example.com:444")]
    public void Validate_SiteNotAllowed_NotOffloadable(string site)
    {
        AssertProblem(EventValidator.Validate(Upload(File("a.jpg")) with { Site = site }, Rules()), EventProblem.NotOffloadable, "site");
    }

    [Fact]
    public void Validate_DeleteWithPathOnly_GivesJobWithKeys()
    {
        var evt = new MediaEvent(MediaEventTypes.Deleted, Site, 42, [new MediaEventFile("2024/05/b.jpg", null, null, null, null, null), new MediaEventFile("2024/05/a.jpg", null, null, null, null, null)]);

        var result = EventValidator.Validate(evt, Rules());

        Assert.True(result.IsValid, string.Join("; ", result.Errors.Keys));
        var job = result.Job!;
        Assert.True(job.IsDelete);
        Assert.Equal(["2024/05/a.jpg", "2024/05/b.jpg"], job.Files.Select(f => f.Path));
        Assert.Equal(["wp-content/uploads/2024/05/a.jpg", "wp-content/uploads/2024/05/b.jpg"], job.Files.Select(f => f.Key));
        Assert.All(job.Files, f =>
        {
            Assert.Null(f.Url);
            Assert.Null(f.Size);
            Assert.Null(f.Md5);
        });
    }

    [Fact]
    public void Validate_DeleteOfTraversalPath_NotOffloadable()
    {
        var evt = new MediaEvent(MediaEventTypes.Deleted, Site, 42, [new MediaEventFile("../../wp-config.php", null, null, null, null, null)]);
        AssertProblem(EventValidator.Validate(evt, Rules()), EventProblem.NotOffloadable, "files[0].path");
    }
}
