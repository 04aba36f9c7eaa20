using MediaOffload.Core.Media;
using MediaOffload.Core.Origins;
using MediaOffload.Core.Paths;

namespace MediaOffload.Core.Events;

/// <summary>The settings event validation depends on.</summary>
/// <param name="Keys">Maps paths to media keys.</param>
/// <param name="CachePolicy">Chooses <c>Cache-Control</c> per type.</param>
/// <param name="Origins">Which URLs may be fetched.</param>
/// <param name="Uploads">Where each site serves its uploads; a file URL must be that base plus the path.</param>
/// <param name="MaxFileBytes">Largest file accepted.</param>
/// <param name="MaxFilesPerEvent">Most files one event may list.</param>
public sealed record EventRules(
    MediaKeys Keys,
    CachePolicy CachePolicy,
    OriginAllowlist Origins,
    UploadsLocations Uploads,
    long MaxFileBytes,
    int MaxFilesPerEvent);
