using System.Globalization;
using MediaOffload.Core.Jobs;
using MediaOffload.Core.Media;
using MediaOffload.Core.Ownership;
using MediaOffload.Core.Paths;
using MediaOffload.Core.Variants;

namespace MediaOffload.Core.Events;

/// <summary>Why an event was refused: <see cref="Malformed"/> maps to 400, <see cref="NotOffloadable"/> to 422.</summary>
public enum EventProblem
{
    Malformed,
    NotOffloadable,
}

/// <summary>The result of validating an event: a job, or the problem with every error keyed by field.</summary>
public sealed record EventValidation(OffloadJob? Job, EventProblem? Problem, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Job is not null;
}

/// <summary>Turns a <see cref="MediaEvent"/> into an <see cref="OffloadJob"/>, or says precisely what is wrong.</summary>
public static class EventValidator
{
    public static EventValidation Validate(MediaEvent evt, EventRules rules)
    {
        var malformed = new Dictionary<string, List<string>>();
        var refused = new Dictionary<string, List<string>>();
        void Malformed(string field, string message) => Add(malformed, field, message);
        void Refused(string field, string message) => Add(refused, field, message);

        if (!MediaEventTypes.IsKnown(evt.Type))
        {
            Malformed("type", $"must be one of {MediaEventTypes.Uploaded}, {MediaEventTypes.Updated}, {MediaEventTypes.Deleted}");
        }

        if (string.IsNullOrWhiteSpace(evt.Site))
        {
            Malformed("site", "is required");
        }
        else if (rules.Origins.Check(evt.Site) is { } siteError)
        {
            Refused("site", siteError);
        }

        if (evt.AttachmentId is not > 0)
        {
            Malformed("attachmentId", "must be a positive integer");
        }

        var isDelete = evt.Type == MediaEventTypes.Deleted;
        var files = new List<JobFile>();
        if (evt.Files is null || evt.Files.Count == 0)
        {
            Malformed("files", "must list at least one file");
        }
        else if (evt.Files.Count > rules.MaxFilesPerEvent)
        {
            Malformed("files", $"lists {evt.Files.Count} files; at most {rules.MaxFilesPerEvent} are accepted");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < evt.Files.Count; i++)
            {
                var prefix = $"files[{i}]";
                var file = ValidateFile(evt.Files[i], evt.AttachmentId, isDelete, rules, f => Malformed($"{prefix}.{f.Field}", f.Message), f => Refused($"{prefix}.{f.Field}", f.Message));
                if (file is not null && !seen.Add(file.Path))
                {
                    Malformed($"{prefix}.path", "is listed twice");
                }
                else if (file is not null)
                {
                    files.Add(file);
                }
            }
        }

        if (malformed.Count > 0)
        {
            return Fail(EventProblem.Malformed, malformed);
        }

        if (refused.Count > 0)
        {
            return Fail(EventProblem.NotOffloadable, refused);
        }

        var sorted = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        var jobId = JobIds.For(evt.Type!, evt.Site!, evt.AttachmentId!.Value, sorted);
        return new EventValidation(new OffloadJob(jobId, evt.Type!, evt.Site!, evt.AttachmentId.Value, sorted), null, new Dictionary<string, string[]>());
    }

    private readonly record struct FieldError(string Field, string Message);

    private static JobFile? ValidateFile(MediaEventFile? file, long? attachmentId, bool isDelete, EventRules rules, Action<FieldError> malformed, Action<FieldError> refused)
    {
        if (file is null)
        {
            malformed(new("", "must be an object"));
            return null;
        }

        if (string.IsNullOrEmpty(file.Path))
        {
            malformed(new("path", "is required"));
            return null;
        }

        if (!MediaPath.TryParse(file.Path, out var path, out var pathError))
        {
            refused(new("path", pathError));
            return null;
        }

        var type = MediaTypes.ForExtension(path.Extension);
        if (type is null)
        {
            refused(new("path", $"type '.{path.Extension}' may not be offloaded"));
            return null;
        }

        if (VariantKeys.IsReservedName(path.Value, out var variantOf))
        {
            refused(new("path", $"'{path.Value[(path.Value.LastIndexOf('/') + 1)..]}' is reserved for a variant of '{variantOf}'; WordPress keeps serving it itself (docs/keys.md)"));
            return null;
        }

        var key = rules.Keys.KeyFor(path);
        if (isDelete)
        {
            return new JobFile(path.Value, key, null, null, null, null, new KeyOwner(attachmentId is > 0 ? attachmentId : null, null));
        }

        var ok = true;
        var onDisk = path.Value;
        if (string.IsNullOrEmpty(file.Url))
        {
            malformed(new("url", "is required"));
            ok = false;
        }
        else if (rules.Origins.Check(file.Url) is { } urlError)
        {
            refused(new("url", urlError));
            ok = false;
        }
        else if (rules.Uploads.CheckFileUrl(file.Url, path, out onDisk) is { } shapeError)
        {
            refused(new("url", shapeError));
            ok = false;
        }

        if (file.Size is not { } size || size < 0)
        {
            malformed(new("size", "must be a non-negative integer"));
            ok = false;
        }
        else if (size == 0)
        {
            refused(new("size", "file is empty"));
            ok = false;
        }
        else if (size > rules.MaxFileBytes)
        {
            refused(new("size", string.Create(CultureInfo.InvariantCulture, $"{size} bytes exceeds the limit of {rules.MaxFileBytes}")));
            ok = false;
        }

        if (!IsMd5Hex(file.Md5))
        {
            malformed(new("md5", "must be 32 hexadecimal characters"));
            ok = false;
        }

        if (file.Mime is { Length: > 0 } mime && !MimeFitsKind(mime, type.Kind))
        {
            refused(new("mime", $"'{mime}' does not fit a .{type.Extension} file"));
            ok = false;
        }

        return ok
            ? new JobFile(path.Value, key, file.Url, file.Size, file.Md5!.ToLowerInvariant(),
                ObjectHeaderRules.ForOriginal(type, rules.CachePolicy, file.Md5!, file.Modified, KeyOwner.For(attachmentId, onDisk)), KeyOwner.For(attachmentId, onDisk))
            : null;
    }

    /// <summary>Whether <paramref name="md5"/> is 32 hexadecimal characters, as every MD5 the plugin sends must be.</summary>
    internal static bool IsMd5Hex(string? md5) => md5 is { Length: 32 } && md5.All(char.IsAsciiHexDigit);

    private static bool MimeFitsKind(string mime, MediaKind kind)
    {
        var family = mime.Split('/', 2)[0].Trim().ToLowerInvariant();
        return kind switch
        {
            MediaKind.Image => family == "image",
            MediaKind.Audio => family is "audio" or "video", // WordPress labels .ogg and .m4a either way.
            MediaKind.Video => family is "video" or "audio",
            MediaKind.Document => family == "application",
            MediaKind.Font => family is "font" or "application",
            _ => false,
        };
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        field = field.TrimEnd('.');
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }

    private static EventValidation Fail(EventProblem problem, Dictionary<string, List<string>> errors) =>
        new(null, problem, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
