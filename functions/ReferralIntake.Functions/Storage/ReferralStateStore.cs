using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ReferralIntake.Functions.Serialization;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// Each referral's state and audit trail: {reference}/state.json (status, decision, deliveries; written
/// from triage on, with ETags) and {reference}/audit.jsonl (append-only). Until triage writes state.json,
/// the state is the "received" record kept with the report (<see cref="ReportStore"/>).
/// The trail's first lines, "received" and "triaged", follow from the saved state: where a process died
/// between saving the decision and writing its audit line, they are restored from it when the trail is
/// read, so they are never lost.
/// </summary>
public sealed class ReferralStateStore(StorageClients clients, ReportStore reports, ErasureRegistry erasures, TimeProvider clock)
{
    private const int MaxConcurrentUpdateTries = 10;

    public const string StateFileName = "state.json";

    public static string StatePath(string reference) => $"{reference}/{StateFileName}";

    public static string AuditPath(string reference) => $"{reference}/audit.jsonl";

    // ---- the state ----

    public async Task<ReferralState?> LoadStateAsync(string reference, CancellationToken ct) =>
        (await LoadStateWithETagAsync(reference, ct).ConfigureAwait(false))?.State;

    /// <summary>
    /// Applies <paramref name="change"/> to the current state and saves it only if nobody else saved in
    /// between (ETag), trying again on a conflict. A change that returns null leaves the state as it is.
    /// Returns the state as saved (or as found), or null when there is no such referral.
    /// </summary>
    public async Task<ReferralState?> UpdateStateAsync(string reference, Func<ReferralState, ReferralState?> change, CancellationToken ct) =>
        (await UpdateStateWithETagAsync(reference, change, ct).ConfigureAwait(false))?.State;

    /// <summary>
    /// Saves a change to the state of a <see cref="ReferralWork"/> with the ETag it was read with (one
    /// write); if someone else saved in between, reads theirs and applies the change to it instead.
    /// A change that returns null leaves the state as it is. The work then holds what was saved.
    /// Returns whether this call's change was the one saved (false when the change declined).
    /// </summary>
    public async Task<bool> SaveAsync(ReferralWork work, Func<ReferralState, ReferralState?> change, CancellationToken ct)
    {
        if (change(work.State) is not { } changed)
        {
            return false;
        }

        if (await TrySaveAsync(changed, work.ETag, ct).ConfigureAwait(false) is { } saved)
        {
            (work.State, work.ETag) = saved;
            return true;
        }

        // Someone else saved in between: apply the change to theirs, and say whether it still applied.
        var applied = false;
        var merged = await UpdateStateWithETagAsync(work.Reference, s =>
        {
            var again = change(s);
            applied = again is not null;
            return again;
        }, ct).ConfigureAwait(false)
            ?? (await erasures.IsErasedAsync(work.Reference, ct).ConfigureAwait(false)
                ? throw new ReferralErasedException(work.Reference)
                : throw new InvalidOperationException($"Referral {work.Reference} disappeared while it was being worked on."));
        (work.State, work.ETag) = merged;
        return applied;
    }

    /// <summary>What triage and delivery work on, read once: the state (with its ETag) and the report, fetched in parallel.</summary>
    public async Task<ReferralWork?> LoadWorkAsync(string reference, CancellationToken ct)
    {
        var stateTask = clients.Container.DownloadIfExistsAsync(StatePath(reference), ct);
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

    private async Task<(ReferralState State, ETag? ETag)?> UpdateStateWithETagAsync(string reference, Func<ReferralState, ReferralState?> change, CancellationToken ct)
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

            if (await TrySaveAsync(changed, current.ETag, ct).ConfigureAwait(false) is { } saved)
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
        catch (RequestFailedException e) when (BlobJson.LostRace(e))
        {
            return null;
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

    /// <summary>Writes the work's gathered audit entries in one block, and empties the list.</summary>
    public async Task FlushAuditAsync(ReferralWork work, CancellationToken ct)
    {
        var entries = work.Audit.ToList();
        work.Audit.Clear();
        await AppendAuditAsync(work.Reference, entries, work.State, ct).ConfigureAwait(false);
    }

    public Task AppendAuditAsync(string reference, AuditEntry entry, CancellationToken ct) =>
        AppendAuditAsync(reference, [entry], null, ct);

    /// <summary>Appends entries in one block. When this creates the trail, its first lines ("received", and
    /// "triaged" once decided) are written first, from <paramref name="known"/> or else the stored state.</summary>
    public async Task AppendAuditAsync(string reference, IReadOnlyList<AuditEntry> entries, ReferralState? known, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var blob = clients.Container.GetAppendBlobClient(AuditPath(reference));
        var lines = new StringBuilder();
        var created = await blob.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false) is not null;
        if (created)
        {
            await erasures.ThrowIfErasedAsync(reference, ct, AuditPath(reference)).ConfigureAwait(false);
        }

        if (created && (known ?? await LoadStateAsync(reference, ct).ConfigureAwait(false)) is { } state)
        {
            foreach (var first in WithFirstLines([], state).Where(f => !entries.Any(e => e.Event == f.Event)))
            {
                lines.Append(JsonSerializer.Serialize(first, AppJsonContext.Default.AuditEntry)).Append('\n');
            }
        }

        foreach (var entry in entries)
        {
            lines.Append(JsonSerializer.Serialize(entry, AppJsonContext.Default.AuditEntry)).Append('\n');
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString()));
        await blob.AppendBlockAsync(stream, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>The audit trail of a referral whose state the caller has, with its first lines restored from that state where missing.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(ReferralState state, CancellationToken ct)
    {
        var written = await clients.Container.DownloadIfExistsAsync(AuditPath(state.Reference), ct).ConfigureAwait(false) is { } blob
            ? blob.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize(line, AppJsonContext.Default.AuditEntry)!).ToList()
            : [];
        return WithFirstLines(written, state);
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
