using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.RetentionSweep;

/// <summary>How long delivered referrals are kept (Retention__Days, default 90); the RetentionSweep timer sweeps daily.</summary>
public sealed class RetentionOptions
{
    public int Days { get; set; } = 90;
}

public sealed record SweepResult(int Checked, int Deleted);

/// <summary>
/// Deletes a referral once it has been delivered and kept for the retention period: its report, state,
/// audit trail and the documents made for forces, and takes it off every force's list. Undelivered referrals (received, triaged, failed) are kept
/// until they are delivered or erased, since they still need someone's attention. Also erases one
/// referral on request. The storage lifecycle rule in infra/ is the backstop behind this.
/// </summary>
public sealed partial class RetentionSweeper(StorageClients storage, ReferralStateStore store, ForceInboxStore inbox, Links.LinkNotices notices, Feedback.FeedbackStore feedback, RetentionOptions options, TimeProvider clock, ILogger<RetentionSweeper> log)
{
    public async Task<SweepResult> SweepAsync(CancellationToken ct)
    {
        await storage.EnsureCreatedOnceAsync(ct).ConfigureAwait(false);
        var cutoff = clock.GetUtcNow() - TimeSpan.FromDays(options.Days);
        int checkedCount = 0, deleted = 0;
        await foreach (var item in storage.ContainerForListing.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Delimiter = "/" }, ct).ConfigureAwait(false))
        {
            var reference = item.Prefix?.TrimEnd('/');
            if (!References.IsWellFormed(reference))
            {
                continue; // force-inbox/, idempotency/, dataprotection/, erasures/ (kept: the record of each erasure)
            }

            checkedCount++;
            var state = await store.LoadStateAsync(reference!, ct).ConfigureAwait(false);
            var sandboxCutoff = clock.GetUtcNow() - TimeSpan.FromDays(1);
            if ((state is { Status: ReferralStatus.Delivered or ReferralStatus.Acknowledged } && state.UpdatedAt < cutoff) // settled; an undeliverable one still needs someone
                || (state is { Sandbox: true } && state.ReceivedAt < sandboxCutoff)) // a sandbox referral: a day is enough to read it back
            {
                await DeleteAllOfAsync(reference!, ct, state).ConfigureAwait(false);
                deleted++;
            }
        }

        // Idempotency keys only matter for retries: they go after the same period.
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = IdempotencyStore.Prefix }, ct).ConfigureAwait(false))
        {
            if (blob.Properties.LastModified < cutoff)
            {
                await storage.Container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: ct).ConfigureAwait(false);
            }
        }

        await feedback.SweepAsync(ct).ConfigureAwait(false); // feedback: its own period (12 months), its own container

        LogSwept(log, checkedCount, deleted, options.Days);
        return new SweepResult(checkedCount, deleted);
    }

    /// <summary>Removes every blob kept about one referral, its place on any force's list and its link index entries. Returns how many blobs went.</summary>
    /// <param name="state">The referral's state, when the caller has read it already (its link index keys are in it).</param>
    public async Task<int> DeleteAllOfAsync(string reference, CancellationToken ct, ReferralState? state = null)
    {
        var names = new List<string>();
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{reference}/" }, ct).ConfigureAwait(false))
        {
            names.Add(blob.Name);
        }

        names.AddRange(await inbox.EntryNamesOfAsync(reference, ct).ConfigureAwait(false)); // off every force's list
        names.AddRange(await notices.EntryNamesOfAsync(reference, ct).ConfigureAwait(false)); // and every link notice that names it off the lists
        if ((state ?? await store.LoadStateAsync(reference, ct).ConfigureAwait(false)) is { Links.IndexKeys: { } keys })
        {
            names.AddRange(keys.Select(k => Links.LinkIndex.EntryPath(k, reference))); // out of the link index: no later referral links to it
        }

        foreach (var name in names)
        {
            await storage.Container.DeleteBlobIfExistsAsync(name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct).ConfigureAwait(false);
        }

        if (names.Count > 0)
        {
            LogDeleted(log, reference, names.Count);
        }

        return names.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention sweep: {Checked} referrals checked, {Deleted} delivered more than {Days} days ago deleted")]
    private static partial void LogSwept(ILogger logger, int @checked, int deleted, int days);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference}: {Count} blobs deleted")]
    private static partial void LogDeleted(ILogger logger, string reference, int count);
}
