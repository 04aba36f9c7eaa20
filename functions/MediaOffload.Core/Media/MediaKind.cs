namespace MediaOffload.Core.Media;

/// <summary>The families of media that may be offloaded; each has its own cache policy.</summary>
public enum MediaKind
{
    Image,
    Audio,
    Video,
    Document,
    Font,
}
