using MediaOffload.Core.Jobs;
using MediaOffload.Core.Runs;

namespace MediaOffload.Core.Tests.Jobs;

public sealed class JobStatusTests
{
    private static readonly OffloadJob Job = new("j-0123456789abcdef0123456789abcdef", "attachment.uploaded", "https://blog.example.com", 42, []);

    [Theory]
    [InlineData("j-0123456789abcdef0123456789abcdef", true)]
    [InlineData("j-0123456789ABCDEF0123456789abcdef", false)]
    [InlineData("j-0123456789abcdef0123456789abcde", false)]
    [InlineData("j-0123456789abcdef0123456789abcdef0", false)]
    [InlineData("j-../../0123456789abcdef0123456789", false)]
    [InlineData("j-0123456789abcdef%2f23456789abcdef", false)]
    [InlineData(null, false)]
    public void IsWellFormed_JobIds_OnlyTheShapeForGives(string? id, bool expected) => Assert.Equal(expected, JobIds.IsWellFormed(id));

    [Fact]
    public void IsWellFormed_AnIdForGives_True() =>
        Assert.True(JobIds.IsWellFormed(JobIds.For("attachment.uploaded", "https://blog.example.com", 1, [])));

    [Theory]
    [InlineData("backfill-20261201T152000Z-0a1b2c3d", true)]
    [InlineData("reconcile-20261201T152000Z-0a1b2c3d", true)]
    [InlineData("delete-20261201T152000Z-0a1b2c3d", false)]
    [InlineData("backfill-20261201T152000Z-0A1B2C3D", false)]
    [InlineData("backfill-20261201T152000Z-0a1b2c3", false)]
    [InlineData("backfill-2026120xT152000Z-0a1b2c3d", false)]
    [InlineData("backfill-20261201T152000Z-0a1b/..", false)]
    [InlineData("backfill-../20261201T1520-0a1b2c3d", false)]
    public void IsWellFormedRunId_RunIds_OnlyTheShapeNewRunIdGives(string id, bool expected) =>
        Assert.Equal(expected, ReconcileRequest.IsWellFormedRunId(id));

    [Fact]
    public void IsWellFormedRunId_AnIdNewRunIdGives_True() =>
        Assert.True(ReconcileRequest.IsWellFormedRunId(new ReconcileRequest(ReconcileRequest.Backfill).NewRunId(DateTimeOffset.UtcNow)));

    [Fact]
    public void Of_AnythingPending_Pending()
    {
        var status = JobStatus.Of(Job, null, [File(FileStates.Uploaded, false, Variant("avif", VariantStates.Made), Variant("webp", VariantStates.Pending)), File(FileStates.Failed, retryable: true)]);

        Assert.Equal((JobStates.Pending, false), (status.State, status.Retryable));
    }

    [Fact]
    public void Of_EverythingLanded_DoneWithCountsPerFormat()
    {
        var status = JobStatus.Of(Job, null, [File(FileStates.Uploaded, false, Variant("avif", VariantStates.Made), Variant("webp", VariantStates.Made)), File(FileStates.Unchanged)]);

        Assert.Equal(JobStates.Done, status.State);
        Assert.Equal(new JobStatusCounts(2, 2, 0, 0, 0, 1, 1, 0, 0), status.Counts);
    }

    [Fact]
    public void Of_OnlyHealableFailures_FailedAndRetryable()
    {
        var status = JobStatus.Of(Job, null, [File(FileStates.Uploaded), File(FileStates.Failed, retryable: true)]);

        Assert.Equal((JobStates.Failed, true), (status.State, status.Retryable));
    }

    [Theory]
    [InlineData(FileStates.Failed, false, VariantStates.Made)]
    [InlineData(FileStates.Refused, false, VariantStates.Made)]
    [InlineData(FileStates.Uploaded, false, VariantStates.Failed)]
    public void Of_APermanentFailureBesideAHealableOne_FailedNotRetryable(string status, bool retryable, string variant)
    {
        var result = JobStatus.Of(Job, null, [File(status, retryable, Variant("webp", variant)), File(FileStates.Failed, retryable: true)]);

        Assert.Equal((JobStates.Failed, false), (result.State, result.Retryable));
    }

    private static JobFileStatus File(string status, bool retryable = false, params VariantStatus[] variants) =>
        new("2024/05/a.jpg", "wp-content/uploads/2024/05/a.jpg", status, 10, null, status is FileStates.Uploaded or FileStates.Unchanged, null, retryable, variants);

    private static VariantStatus Variant(string format, string status) => new(format, $"k.{format}", status);
}
