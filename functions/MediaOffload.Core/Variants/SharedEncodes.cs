using MediaOffload.Core.Reconcile;

namespace MediaOffload.Core.Variants;

/// <summary>
/// Makes each variant key's outcome, and lets a source's <c>.webp</c> step use the WebP its <c>.avif</c> step made.
/// The AVIF key's choice needs the WebP (it holds the smallest of AVIF, WebP and original), so the AVIF step encodes
/// both from one decode; the WebP step, a separate plan item after it, takes that WebP instead of decoding again
/// (docs/imaging.md, "AVIF"). Thread-safe; one instance per run or per writer.
/// </summary>
/// <remarks>
/// A step calls <see cref="Start"/> before its first await: runners start steps in plan order, and <c>.avif</c>
/// sorts before <c>.webp</c>, so a WebP step always finds its AVIF step already under way. A WebP step that finds
/// none, or one that ends without a result, encodes for itself.
/// </remarks>
/// <param name="encoder">The encoder.</param>
/// <param name="budget">The memory every encode is admitted against.</param>
/// <param name="keep">How many WebP outcomes no WebP step has asked for yet are kept (their key may be in sync), newest first. Default 8.</param>
public sealed class SharedEncodes(IVariantEncoder encoder, MemoryBudget budget, int keep = 8)
{
    private readonly object _gate = new();

    private IVariantEncoder Encoder { get; } = encoder;

    private MemoryBudget Budget { get; } = budget;
    private readonly Dictionary<string, TaskCompletionSource<SharedWebP?>> _bySource = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _finished = new();

    /// <summary>Starts the step that makes <paramref name="sourceKey"/>'s <paramref name="target"/> variant. Dispose the claim when the step ends.</summary>
    public Claim Start(string sourceKey, VariantTarget target)
    {
        lock (_gate)
        {
            if (target == VariantTarget.Avif)
            {
                var offer = new TaskCompletionSource<SharedWebP?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _finished.Remove(sourceKey);
                _bySource[sourceKey] = offer;
                return new Claim(this, sourceKey, target, offer, null);
            }

            _finished.Remove(sourceKey);
            return new Claim(this, sourceKey, target, null, _bySource.Remove(sourceKey, out var made) ? made.Task : null);
        }
    }

    private void Finish(string sourceKey, TaskCompletionSource<SharedWebP?> offer, SharedWebP? value)
    {
        offer.TrySetResult(value);
        lock (_gate)
        {
            if (!_bySource.TryGetValue(sourceKey, out var current) || current != offer)
            {
                return; // already taken by its WebP step
            }

            if (value is null)
            {
                _bySource.Remove(sourceKey);
                return;
            }

            _finished.AddFirst(sourceKey);
            while (_finished.Count > keep)
            {
                _bySource.Remove(_finished.Last!.Value);
                _finished.RemoveLast();
            }
        }
    }

    /// <summary>One step's part in making a source's variants; see <see cref="Start"/>.</summary>
    public sealed class Claim : IDisposable
    {
        private readonly SharedEncodes _owner;
        private readonly string _sourceKey;
        private readonly TaskCompletionSource<SharedWebP?>? _offer;
        private readonly Task<SharedWebP?>? _made;

        internal Claim(SharedEncodes owner, string sourceKey, VariantTarget target, TaskCompletionSource<SharedWebP?>? offer, Task<SharedWebP?>? made) =>
            (_owner, _sourceKey, Target, _offer, _made) = (owner, sourceKey, target, offer, made);

        /// <summary>The variant this step makes.</summary>
        public VariantTarget Target { get; }

        /// <summary>
        /// For a WebP step, the outcome its AVIF step made from the source at <paramref name="sourceVersion"/> (an ETag or
        /// MD5), awaited if that step is still encoding; null when there is none, so the caller reads the source and
        /// calls <see cref="EncodeAsync"/>. Always null for an AVIF step.
        /// </summary>
        public async Task<VariantOutcome?> SharedAsync(string sourceVersion)
        {
            var shared = _made is null ? null : await _made;
            return shared is not null && ETags.Same(shared.SourceVersion, sourceVersion) ? shared.Outcome : null;
        }

        /// <summary>
        /// Encodes <paramref name="source"/> (at <paramref name="sourceVersion"/>) admitted against the budget and returns
        /// this step's outcome: an AVIF step encodes both formats and hands the WebP on; a WebP step encodes WebP only.
        /// </summary>
        public async Task<VariantOutcome> EncodeAsync(ReadOnlyMemory<byte> source, string? sourceContentType, SourceImageKind kind, string sourceVersion, CancellationToken cancellationToken)
        {
            if (_offer is null)
            {
                return await VariantDecision.EncodeAndDecideAsync(_owner.Encoder, _owner.Budget, source, sourceContentType, kind, cancellationToken);
            }

            var all = await VariantDecision.EncodeAndDecideAllAsync(_owner.Encoder, _owner.Budget, source, sourceContentType, kind, cancellationToken);
            _owner.Finish(_sourceKey, _offer, new SharedWebP(sourceVersion, all[VariantTarget.WebP]));
            return all[VariantTarget.Avif];
        }

        /// <summary>Ends the step; an AVIF step that made nothing tells a waiting WebP step to encode for itself.</summary>
        public void Dispose()
        {
            if (_offer is { Task.IsCompleted: false })
            {
                _owner.Finish(_sourceKey, _offer, null);
            }
        }
    }
}

// A WebP key's outcome made by its source's AVIF step, from the source bytes at SourceVersion (an ETag or MD5).
internal sealed record SharedWebP(string SourceVersion, VariantOutcome Outcome);
