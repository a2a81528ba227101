using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Serialization;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// Each referral's state and audit trail, one blob: {reference}/state.json (status, decision, deliveries and
/// the trail; written from triage on, with ETags). A change and the audit lines that say what it was are
/// saved in one write, so neither is ever kept without the other, and a step costs one storage request
/// (docs/benchmarks.md). Until triage writes state.json, the state is the "received" record kept with the
/// report (<see cref="ReportStore"/>). The trail's first lines, "received" and "triaged", follow from the
/// state: they are written with the first save and restored from it when a trail lacks them.
/// </summary>
public sealed class ReferralStateStore(StorageClients clients, ReportStore reports, ErasureRegistry erasures, TimeProvider clock)
{
    private const int MaxConcurrentUpdateTries = 10;

    public const string StateFileName = "state.json";

    public static string StatePath(string reference) => $"{reference}/{StateFileName}";

    // ---- the state ----

    public async Task<ReferralState?> LoadStateAsync(string reference, CancellationToken ct) =>
        (await LoadStateWithETagAsync(reference, ct).ConfigureAwait(false))?.State;

    /// <summary>
    /// Applies <paramref name="change"/> to the current state and saves it, with <paramref name="lines"/> added
    /// to its trail, only if nobody else saved in between (ETag), trying again on a conflict. A change that
    /// returns null leaves the state as it is (and the lines unwritten).
    /// Returns the state as saved (or as found), or null when there is no such referral.
    /// </summary>
    public async Task<ReferralState?> UpdateStateAsync(string reference, Func<ReferralState, ReferralState?> change, CancellationToken ct, IReadOnlyList<AuditEntry>? lines = null) =>
        (await UpdateStateWithETagAsync(reference, change, lines ?? [], ct).ConfigureAwait(false))?.State;

    /// <summary>
    /// Saves a change to the state of a <see cref="ReferralWork"/> with the ETag it was read with (one
    /// write), with the work's gathered audit lines; if someone else saved in between, reads theirs and
    /// applies the change to it instead. A change that returns null leaves the state as it is, and the
    /// lines wait for the next save. The work then holds what was saved.
    /// Returns whether this call's change was the one saved (false when the change declined).
    /// </summary>
    public async Task<bool> SaveAsync(ReferralWork work, Func<ReferralState, ReferralState?> change, CancellationToken ct)
    {
        if (change(work.State) is not { } changed)
        {
            return false;
        }

        var lines = work.Audit.ToList();
        if (await TrySaveAsync(WithLines(changed, lines), work.ETag, ct).ConfigureAwait(false) is { } saved)
        {
            (work.State, work.ETag) = saved;
            work.Audit.RemoveRange(0, lines.Count);
            return true;
        }

        // Someone else saved in between: apply the change to theirs, and say whether it still applied.
        var applied = false;
        var merged = await UpdateStateWithETagAsync(work.Reference, s =>
        {
            var again = change(s);
            applied = again is not null;
            return again;
        }, lines, ct).ConfigureAwait(false)
            ?? (await erasures.IsErasedAsync(work.Reference, ct).ConfigureAwait(false)
                ? throw new ReferralErasedException(work.Reference)
                : throw new InvalidOperationException($"Referral {work.Reference} disappeared while it was being worked on."));
        (work.State, work.ETag) = merged;
        if (applied)
        {
            work.Audit.RemoveRange(0, lines.Count);
        }

        return applied;
    }

    /// <summary>
    /// What triage and delivery work on, read once: the state (with its ETag) and the report, fetched in
    /// parallel. <paramref name="firstTry"/> (a referral's first triage) reads the report alone and starts
    /// from its "received" record: state.json does not exist yet, and if it does after all (a message sent
    /// twice, a replay), the first save finds it and works from it instead (<see cref="SaveAsync"/>).
    /// </summary>
    public async Task<ReferralWork?> LoadWorkAsync(string reference, CancellationToken ct, bool firstTry = false)
    {
        var stateTask = firstTry ? Task.FromResult<BlobDownloadResult?>(null) : clients.Container.DownloadIfExistsAsync(StatePath(reference), ct);
        var reportTask = reports.LoadAsync(reference, ct);
        var (stateBlob, report) = (await stateTask.ConfigureAwait(false), await reportTask.ConfigureAwait(false));
        if (report is not { } found)
        {
            return null;
        }

        return stateBlob is not null
            ? new ReferralWork(Deserialize(reference, stateBlob.Content), stateBlob.Details.ETag, found.Report)
            : new ReferralWork(found.Received, null, found.Report);
    }

    private async Task<(ReferralState State, ETag? ETag)?> UpdateStateWithETagAsync(string reference, Func<ReferralState, ReferralState?> change,
        IReadOnlyList<AuditEntry> lines, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxConcurrentUpdateTries; attempt++)
        {
            if (await LoadStateWithETagAsync(reference, ct).ConfigureAwait(false) is not { } current)
            {
                return null;
            }

            if (change(current.State) is not { } changed)
            {
                return current;
            }

            if (await TrySaveAsync(WithLines(changed, lines), current.ETag, ct).ConfigureAwait(false) is { } saved)
            {
                return saved;
            }

            // Someone else saved first: read theirs and decide again.
        }

        throw new InvalidOperationException($"State of {reference} kept changing under {MaxConcurrentUpdateTries} updates.");
    }

    /// <summary>One conditional write: creates state.json when <paramref name="etag"/> is null, else replaces the version read. Null on a conflict.</summary>
    private async Task<(ReferralState State, ETag? ETag)?> TrySaveAsync(ReferralState state, ETag? etag, CancellationToken ct)
    {
        state = state with { UpdatedAt = clock.GetUtcNow() };
        var condition = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            // The public statistics' facts ride along as metadata, so their job reads them from a listing (Statistics/).
            var facts = Statistics.ReferralFacts.Of(state) is { } f ? new Dictionary<string, string> { [Statistics.ReferralFacts.MetadataName] = f.ToMetadata() } : null;
            var info = await clients.Container.UploadJsonAsync(StatePath(state.Reference), state, AppJsonContext.Default.ReferralState, condition, ct, facts).ConfigureAwait(false);
            if (etag is null)
            {
                await erasures.ThrowIfErasedAsync(state.Reference, ct, StatePath(state.Reference)).ConfigureAwait(false); // created: not after an erasure
            }

            return (state, info.Value.ETag);
        }
        catch (RequestFailedException e) when (BlobJson.LostRace(e) || e.Status == (int)HttpStatusCode.NotFound)
        {
            return null; // saved by someone else, or erased (the caller reads again and finds which)
        }
    }

    /// <summary>The state and its ETag; before triage has written state.json, the "received" state from the report's metadata (no ETag).</summary>
    private async Task<(ReferralState State, ETag? ETag)?> LoadStateWithETagAsync(string reference, CancellationToken ct)
    {
        if (await clients.Container.DownloadIfExistsAsync(StatePath(reference), ct).ConfigureAwait(false) is { } blob)
        {
            return (Deserialize(reference, blob.Content), blob.Details.ETag);
        }

        return await reports.ReceivedStateAsync(reference, ct).ConfigureAwait(false) is { } received ? (received, null) : null;
    }

    private static ReferralState Deserialize(string reference, BinaryData content) =>
        content.ToObjectFromJson(AppJsonContext.Default.ReferralState) ?? throw new InvalidDataException($"State of {reference} is empty.");

    // ---- the audit trail ----

    /// <summary>Writes the work's gathered audit lines that no save has taken yet (one write; none when there are none).</summary>
    public async Task FlushAuditAsync(ReferralWork work, CancellationToken ct)
    {
        if (work.Audit.Count > 0)
        {
            await SaveAsync(work, s => s, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Adds one line to a referral's trail (an operator's or a failure's), in one write.</summary>
    public async Task AppendAuditAsync(string reference, AuditEntry entry, CancellationToken ct)
    {
        if (await UpdateStateAsync(reference, s => s, ct, [entry]).ConfigureAwait(false) is null)
        {
            throw await erasures.IsErasedAsync(reference, ct).ConfigureAwait(false)
                ? new ReferralErasedException(reference)
                : new InvalidOperationException($"No referral {reference} to add an audit line to.");
        }
    }

    /// <summary>The audit trail of a referral, with its first lines restored from its state where missing.</summary>
    public static IReadOnlyList<AuditEntry> AuditOf(ReferralState state) => WithFirstLines(state.Audit ?? [], state);

    /// <summary>The state with its trail made whole (first lines) and <paramref name="lines"/> added; a first line is never written twice.</summary>
    public static ReferralState WithLines(ReferralState state, IReadOnlyList<AuditEntry> lines)
    {
        var trail = WithFirstLines(state.Audit ?? [], state);
        trail.AddRange(lines.Where(l => l.Event is not (AuditEntry.Received or AuditEntry.Triaged) || !trail.Any(e => e.Event == l.Event)));
        return state with { Audit = trail };
    }

    /// <summary>"received" first, then "triaged" once the state holds a decision, each where the written trail lacks it.</summary>
    internal static List<AuditEntry> WithFirstLines(IReadOnlyList<AuditEntry> written, ReferralState state)
    {
        var trail = written.ToList();
        if (state.Triage is { } decision && !trail.Any(e => e.Event == AuditEntry.Triaged))
        {
            var at = trail.FindIndex(e => e.At > decision.DecidedAt && e.Event != AuditEntry.Received);
            trail.Insert(at < 0 ? trail.Count : at, AuditEntry.TriagedAs(decision));
        }

        if (!trail.Any(e => e.Event == AuditEntry.Received))
        {
            trail.Insert(0, AuditEntry.ReceivedFrom(state));
        }

        return trail;
    }
}
