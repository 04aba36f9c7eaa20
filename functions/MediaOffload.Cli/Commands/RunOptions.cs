using System.CommandLine;
using MediaOffload.Cli.Sources;
using MediaOffload.Core.Reconcile;

namespace MediaOffload.Cli.Commands;

/// <summary>What every command's options have: the bucket and the output.</summary>
internal interface IRunOptions
{
    BucketOptions Bucket { get; }

    OutputOptions Output { get; }

    /// <summary>The file an interrupted run resumes from; only <c>sync</c> has one.</summary>
    string? CheckpointPath => null;
}

/// <summary>A command's options as the parser sees them: added to the command, read back validated.</summary>
internal interface ICommandDefinition
{
    void AddTo(Command command);

    IRunOptions Read(ParseResult result);
}

/// <summary>Options of <c>sync</c>: upload, fix headers, write variants and, when asked, delete orphans.</summary>
/// <param name="DryRun">Print the plan and change nothing. Default false.</param>
/// <param name="Delete">Orphan deletion and its cap.</param>
/// <param name="CheckpointPath">Checkpoint file; default none (an interrupted run starts over, cheaply with the state file).</param>
/// <param name="Variants">Encode missing or stale variants (AVIF and WebP, per --variant-formats). Default true.</param>
/// <param name="EncodeConcurrency">Image encodes at once. Default the CPU count.</param>
/// <param name="MemoryBudgetMiB">MiB the encodes may take at once. Default 1024.</param>
internal sealed record SyncOptions(
    SourceOptions Source, BucketOptions Bucket, OutputOptions Output, bool DryRun, DeleteOptions Delete, string? CheckpointPath, bool Variants,
    int EncodeConcurrency, int MemoryBudgetMiB) : IRunOptions
{
    internal sealed class Definition : ICommandDefinition
    {
        private readonly SourceOptions.Definition _source = new();
        private readonly BucketOptions.Definition _bucket = new();
        private readonly OutputOptions.Definition _output = new();
        private readonly DeleteOptions.Definition _delete = new();

        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the plan; change nothing." };

        public Option<string?> Checkpoint { get; } = new Option<string?>("--checkpoint") { Description = "Checkpoint file; an interrupted run resumes from it." }.WritableFile();

        public Option<bool> NoVariants { get; } = new("--no-variants") { Description = "Do not encode missing or stale variants; report them." };

        public Option<int> EncodeConcurrency { get; } = new Option<int>("--encode-concurrency") { Description = "Image encodes at once; default the CPU count.", DefaultValueFactory = _ => Environment.ProcessorCount }.Between(1, 64);

        public Option<int> MemoryBudget { get; } = new Option<int>("--memory-budget") { Description = "MiB the image encodes may take at once; a larger image is skipped with the reason.", DefaultValueFactory = _ => 1024 }.Between(64, 1024 * 1024);

        public void AddTo(Command command)
        {
            _source.AddTo(command);
            _bucket.AddTo(command);
            command.Options.Add(DryRun);
            _delete.AddTo(command);
            command.Validators.Add(result =>
            {
                // Checked before anything is listed, so no orphan of a remote-only file can be deleted (docs/remote-only.md).
                if (result.GetValue(_delete.Delete) && result.GetValue(_source.UploadsDir) is { } dir && Directory.Exists(dir) && RemoteOnlyMarker.Find(dir) is { } marker)
                {
                    result.AddError(RemoteOnlyMarker.Refusal(marker));
                }
            });
            foreach (var option in new Option[] { EncodeConcurrency, MemoryBudget, Checkpoint, NoVariants })
            {
                command.Options.Add(option);
            }

            _output.AddTo(command);
        }

        IRunOptions ICommandDefinition.Read(ParseResult result) => Read(result);

        public SyncOptions Read(ParseResult r) => new(
            _source.Read(r), _bucket.Read(r), _output.Read(r), r.GetValue(DryRun), _delete.Read(r), r.GetValue(Checkpoint), !r.GetValue(NoVariants),
            r.GetValue(EncodeConcurrency), r.GetValue(MemoryBudget));
    }
}

/// <summary>Whether <c>sync</c> deletes orphans, and the cap that stops a mass delete.</summary>
/// <param name="Delete">Delete orphans. Default false.</param>
/// <param name="Force">Lift the cap. Default false; only with <paramref name="Delete"/>.</param>
/// <param name="Guard">The cap: by default 100 objects or 10 % of the bucket (<see cref="DeletionGuard"/>).</param>
internal sealed record DeleteOptions(bool Delete, bool Force, DeletionGuard Guard)
{
    /// <summary>No deletes, the default cap.</summary>
    public static DeleteOptions None { get; } = new(false, false, new DeletionGuard());

    internal sealed class Definition
    {
        public Option<bool> Delete { get; } = new("--delete") { Description = "Delete orphans, up to the cap." };

        public Option<bool> Force { get; } = new("--force") { Description = "Lift the delete cap (with --delete)." };

        public Option<int> MaxDelete { get; } = new Option<int>("--max-delete") { Description = "Delete cap in objects.", DefaultValueFactory = _ => new DeletionGuard().MaxObjects }
            .Check(v => v < 0 ? "must be >= 0" : null);

        public Option<double> MaxDeletePercent { get; } = new Option<double>("--max-delete-percent") { Description = "Delete cap as a share of the bucket.", DefaultValueFactory = _ => new DeletionGuard().MaxFraction * 100 }
            .Check(v => v is < 0 or > 100 ? "must be between 0 and 100" : null);

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Delete, Force, MaxDelete, MaxDeletePercent })
            {
                command.Options.Add(option);
            }

            command.Validators.Add(result =>
            {
                if (result.GetValue(Force) && !result.GetValue(Delete))
                {
                    result.AddError("--force only lifts the cap of --delete; pass --delete too");
                }
            });
        }

        public DeleteOptions Read(ParseResult r) =>
            new(r.GetValue(Delete), r.GetValue(Force), new DeletionGuard(r.GetValue(MaxDelete), r.GetValue(MaxDeletePercent) / 100));
    }
}

/// <summary>Options of <c>reconcile</c>: plan against the folder and report, changing nothing.</summary>
/// <param name="BatchManifestPath">Write an S3 Batch Operations CSV (bucket,key) of the header fixes here. Default none.</param>
internal sealed record ReconcileOptions(SourceOptions Source, BucketOptions Bucket, OutputOptions Output, string? BatchManifestPath) : IRunOptions
{
    internal sealed class Definition : ICommandDefinition
    {
        private readonly SourceOptions.Definition _source = new();
        private readonly BucketOptions.Definition _bucket = new();
        private readonly OutputOptions.Definition _output = new();

        public Option<string?> BatchManifest { get; } = new Option<string?>("--batch-manifest") { Description = "Write an S3 Batch Operations CSV (bucket,key) of the header fixes." }.WritableFile();

        public void AddTo(Command command)
        {
            _source.AddTo(command);
            _bucket.AddTo(command);
            _output.AddTo(command);
            command.Options.Add(BatchManifest);
        }

        IRunOptions ICommandDefinition.Read(ParseResult result) => Read(result);

        public ReconcileOptions Read(ParseResult r) => new(_source.Read(r), _bucket.Read(r), _output.Read(r), r.GetValue(BatchManifest));
    }
}

/// <summary>Options of <c>verify</c>: HEAD every object under the prefix and audit its headers; no folder.</summary>
internal sealed record VerifyOptions(BucketOptions Bucket, OutputOptions Output) : IRunOptions
{
    internal sealed class Definition : ICommandDefinition
    {
        private readonly BucketOptions.Definition _bucket = new();
        private readonly OutputOptions.Definition _output = new();

        public void AddTo(Command command)
        {
            _bucket.AddTo(command);
            _output.AddTo(command);
        }

        IRunOptions ICommandDefinition.Read(ParseResult result) => Read(result);

        public VerifyOptions Read(ParseResult r) => new(_bucket.Read(r), _output.Read(r));
    }
}
