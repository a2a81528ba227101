using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Api;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// Blob storage for referrals, one folder each: {reference}/report.json (the report, immutable, with
/// its "received" record as blob metadata: partner, time, trace), {reference}/state.json (status and
/// decision, written from triage on), {reference}/audit.jsonl (append-only trail). Intake writes the
/// report blob alone, so accepting a report costs one blob write and one queue message; until triage
/// writes state.json, the state and the audit's first line are read from the report's metadata.
/// Idempotency keys live under idempotency/{partner}/{sha256 of key}.json.
/// </summary>
public sealed class ReferralStore(StorageClients clients, TimeProvider clock)
{
    private const int MaxConcurrentUpdateTries = 10;
    private static readonly JsonSerializerOptions Json = ContractMapping.Json;
    private readonly BlobContainerClient _container = clients.Container;

    private Task? _created;

    /// <summary>Creates what is missing once per process; a failed try is tried again by the next caller.</summary>
    public async Task EnsureCreatedOnceAsync(CancellationToken ct)
    {
        var creating = _created ??= EnsureCreatedAsync(CancellationToken.None);
        try
        {
            await creating.WaitAsync(ct).ConfigureAwait(false);
        }
        catch when (creating.IsFaulted)
        {
            _ = Interlocked.CompareExchange(ref _created, null, creating);
            throw;
        }
    }

    /// <summary>Creates the container and queues where missing (Azurite). In Azure, infra creates them and
    /// the app's identity may not create: a 403 there is expected and ignored.</summary>
    public async Task EnsureCreatedAsync(CancellationToken ct)
    {
        try
        {
            await _container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: ct).ConfigureAwait(false);
            await clients.Queue.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
            await clients.PoisonQueue.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Forbidden)
        {
        }
    }

    // ---- the report ----

    private const string PartnerMetadata = "partner", ReceivedAtMetadata = "receivedat", TraceMetadata = "traceparent";

    /// <summary>Stores the report and its "received" record once; a second store of the same reference keeps the first.</summary>
    public async Task StoreReportAsync(string reference, string partnerId, ConcernReport report, DateTimeOffset receivedAt, string? traceParent, CancellationToken ct)
    {
        var metadata = new Dictionary<string, string>
        {
            [PartnerMetadata] = partnerId,
            [ReceivedAtMetadata] = receivedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["contractversion"] = "1",
        };
        if (traceParent is not null)
        {
            metadata[TraceMetadata] = traceParent;
        }

        var blob = _container.GetBlobClient(ReportPath(reference));
        try
        {
            await blob.UploadAsync(
                new BinaryData(ContractMapping.Serialize(report)),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Metadata = metadata,
                },
                ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            // Already stored by an earlier attempt with the same reference.
        }
    }

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

    /// <summary>
    /// Saves a change to the state of a <see cref="ReferralWork"/> with the ETag it was read with (one
    /// write); if someone else saved in between, reads theirs and applies the change to it instead.
    /// A change that returns null leaves the state as it is. The work then holds what was saved.
    /// </summary>
    public async Task SaveAsync(ReferralWork work, Func<ReferralState, ReferralState?> change, CancellationToken ct)
    {
        if (change(work.State) is not { } changed)
        {
            return;
        }

        var saved = await TrySaveAsync(changed, work.ETag, ct).ConfigureAwait(false)
            ?? await UpdateStateWithETagAsync(work.Reference, change, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Referral {work.Reference} disappeared while it was being worked on.");
        (work.State, work.ETag) = saved;
    }

    /// <summary>One conditional write: creates state.json when <paramref name="etag"/> is null, else replaces the version read. Null on a conflict.</summary>
    private async Task<(ReferralState State, ETag? ETag)?> TrySaveAsync(ReferralState state, ETag? etag, CancellationToken ct)
    {
        state = state with { UpdatedAt = clock.GetUtcNow() };
        var condition = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            var info = await UploadJsonAsync(StatePath(state.Reference), state, condition, ct).ConfigureAwait(false);
            return (state, info.Value.ETag);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
        {
            return null;
        }
    }

    /// <summary>What triage and delivery work on, read once: the state (with its ETag) and the report, fetched in parallel.</summary>
    public async Task<ReferralWork?> LoadWorkAsync(string reference, CancellationToken ct)
    {
        var stateTask = DownloadAsync(StatePath(reference), ct);
        var reportTask = DownloadAsync(ReportPath(reference), ct);
        var (stateBlob, reportBlob) = (await stateTask.ConfigureAwait(false), await reportTask.ConfigureAwait(false));
        if (reportBlob is null)
        {
            return null;
        }

        var report = ConcernReportReader.Read(reportBlob.Content.ToMemory()).Report
            ?? throw new InvalidDataException($"Stored report {reference} no longer validates.");
        return stateBlob is not null
            ? new ReferralWork(stateBlob.Content.ToObjectFromJson<ReferralState>(Json)!, stateBlob.Details.ETag, report)
            : new ReferralWork(ReceivedState(reference, reportBlob.Details.Metadata), null, report);
    }

    /// <summary>The state and its ETag; before triage has written state.json, the "received" state from the report's metadata (no ETag).</summary>
    private async Task<(ReferralState State, ETag? ETag)?> LoadStateWithETagAsync(string reference, CancellationToken ct)
    {
        var content = await DownloadAsync(StatePath(reference), ct).ConfigureAwait(false);
        if (content is not null)
        {
            var state = content.Content.ToObjectFromJson<ReferralState>(Json)
                ?? throw new InvalidDataException($"State of {reference} is empty.");
            return (state, content.Details.ETag);
        }

        return await ReceivedStateAsync(reference, ct).ConfigureAwait(false) is { } received ? (received, null) : null;
    }

    private async Task<ReferralState?> ReceivedStateAsync(string reference, CancellationToken ct)
    {
        IDictionary<string, string> metadata;
        try
        {
            metadata = (await _container.GetBlobClient(ReportPath(reference)).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false)).Value.Metadata;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }

        return ReceivedState(reference, metadata);
    }

    private static ReferralState ReceivedState(string reference, IDictionary<string, string> metadata)
    {
        var receivedAt = DateTimeOffset.Parse(metadata[ReceivedAtMetadata], System.Globalization.CultureInfo.InvariantCulture);
        return new ReferralState(reference, metadata[PartnerMetadata], ReferralStatus.Received, receivedAt, receivedAt,
            TraceParent: metadata.TryGetValue(TraceMetadata, out var trace) ? trace : null);
    }

    private static AuditEntry ReceivedEntry(ReferralState received) => new(received.ReceivedAt, "received", $"from {received.PartnerId}");

    // ---- the audit trail ----

    /// <summary>Writes the work's gathered audit entries in one block, and empties the list.</summary>
    public async Task FlushAuditAsync(ReferralWork work, CancellationToken ct)
    {
        var entries = work.Audit.ToList();
        work.Audit.Clear();
        await AppendAuditAsync(work.Reference, entries, work.Fresh ? work.State : null, ct).ConfigureAwait(false);
    }

    public Task AppendAuditAsync(string reference, AuditEntry entry, CancellationToken ct) =>
        AppendAuditAsync(reference, [entry], null, ct);

    /// <summary>Appends entries in one block. The trail's first line, "received", is written with the first
    /// events after it, from <paramref name="received"/> when the caller has it, else from the report's metadata.</summary>
    public async Task AppendAuditAsync(string reference, IReadOnlyList<AuditEntry> entries, ReferralState? received, CancellationToken ct)
    {
        if (entries.Count == 0)
        {
            return;
        }

        var blob = _container.GetAppendBlobClient(AuditPath(reference));
        var lines = new StringBuilder();
        if (await blob.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false) is not null
            && (received ?? await ReceivedStateAsync(reference, ct).ConfigureAwait(false)) is { } first)
        {
            lines.Append(JsonSerializer.Serialize(ReceivedEntry(first), Json)).Append('\n');
        }

        foreach (var entry in entries)
        {
            lines.Append(JsonSerializer.Serialize(entry, Json)).Append('\n');
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(lines.ToString()));
        await blob.AppendBlockAsync(stream, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>The audit trail of a referral whose state the caller has; before triage has written the
    /// trail, its first line comes from that state.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(ReferralState state, CancellationToken ct)
    {
        var content = await DownloadAsync(AuditPath(state.Reference), ct).ConfigureAwait(false);
        if (content is null)
        {
            return [ReceivedEntry(state)];
        }

        return [.. content.Content.ToString()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<AuditEntry>(line, Json)!)];
    }

    // ---- idempotency keys ----

    public async Task<IdempotencyRecord?> ReadIdempotencyAsync(string partnerId, string keyHash, CancellationToken ct)
    {
        var content = await DownloadAsync(IdempotencyPath(partnerId, keyHash), ct).ConfigureAwait(false);
        return content?.Content.ToObjectFromJson<IdempotencyRecord>(Json);
    }

    /// <summary>Claims an Idempotency-Key for a reference; false when another request claimed it first.</summary>
    public async Task<bool> TryClaimIdempotencyAsync(string partnerId, string keyHash, IdempotencyRecord record, CancellationToken ct)
    {
        try
        {
            await UploadJsonAsync(IdempotencyPath(partnerId, keyHash), record, new BlobRequestConditions { IfNoneMatch = ETag.All }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    // ---- paths and helpers ----

    internal static string ReportPath(string reference) => $"{reference}/report.json";

    internal static string StatePath(string reference) => $"{reference}/state.json";

    internal static string AuditPath(string reference) => $"{reference}/audit.jsonl";

    private static string IdempotencyPath(string partnerId, string keyHash) => $"idempotency/{partnerId}/{keyHash}.json";

    private async Task<BlobDownloadResult?> DownloadAsync(string path, CancellationToken ct)
    {
        try
        {
            var response = await _container.GetBlobClient(path).DownloadContentAsync(ct).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private Task<Response<BlobContentInfo>> UploadJsonAsync<T>(string path, T value, BlobRequestConditions conditions, CancellationToken ct) =>
        _container.GetBlobClient(path).UploadAsync(
            BinaryData.FromObjectAsJson(value, Json),
            new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            ct);
}
