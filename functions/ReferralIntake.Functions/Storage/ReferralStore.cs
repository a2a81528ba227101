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
/// Blob storage for referrals, one folder each: {reference}/report.json (the report, immutable),
/// {reference}/state.json (status and decision), {reference}/audit.jsonl (append-only trail).
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

    /// <summary>Stores the report once; a second store of the same reference keeps the first.</summary>
    public async Task StoreReportAsync(string reference, string partnerId, ConcernReport report, CancellationToken ct)
    {
        var blob = _container.GetBlobClient(ReportPath(reference));
        try
        {
            await blob.UploadAsync(
                new BinaryData(ContractMapping.Serialize(report)),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Metadata = new Dictionary<string, string> { ["partner"] = partnerId, ["contractVersion"] = "1" },
                },
                ct).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            // Already stored by an earlier attempt with the same reference.
        }
    }

    public async Task<ConcernReport?> LoadReportAsync(string reference, CancellationToken ct)
    {
        var content = await DownloadAsync(ReportPath(reference), ct).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        var result = ConcernReportReader.Read(content.Content.ToMemory());
        return result.Report ?? throw new InvalidDataException($"Stored report {reference} no longer validates ({result.Errors.Count} errors).");
    }

    // ---- the state ----

    public async Task<bool> TryCreateStateAsync(ReferralState state, CancellationToken ct)
    {
        try
        {
            await UploadJsonAsync(StatePath(state.Reference), state, new BlobRequestConditions { IfNoneMatch = ETag.All }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public async Task<ReferralState?> LoadStateAsync(string reference, CancellationToken ct) =>
        (await LoadStateWithETagAsync(reference, ct).ConfigureAwait(false))?.State;

    /// <summary>
    /// Applies <paramref name="change"/> to the current state and saves it only if nobody else saved in
    /// between (ETag), trying again on a conflict. A change that returns null leaves the state as it is.
    /// Returns the state as saved (or as found), or null when there is no such referral.
    /// </summary>
    public async Task<ReferralState?> UpdateStateAsync(string reference, Func<ReferralState, ReferralState?> change, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxConcurrentUpdateTries; attempt++)
        {
            if (await LoadStateWithETagAsync(reference, ct).ConfigureAwait(false) is not { } current)
            {
                return null;
            }

            if (change(current.State) is not { } changed)
            {
                return current.State;
            }

            changed = changed with { UpdatedAt = clock.GetUtcNow() };
            try
            {
                await UploadJsonAsync(StatePath(reference), changed, new BlobRequestConditions { IfMatch = current.ETag }, ct).ConfigureAwait(false);
                return changed;
            }
            catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
            {
                // Someone else saved first: read theirs and decide again.
            }
        }

        throw new InvalidOperationException($"State of {reference} kept changing under {MaxConcurrentUpdateTries} updates.");
    }

    private async Task<(ReferralState State, ETag ETag)?> LoadStateWithETagAsync(string reference, CancellationToken ct)
    {
        var content = await DownloadAsync(StatePath(reference), ct).ConfigureAwait(false);
        if (content is null)
        {
            return null;
        }

        var state = content.Content.ToObjectFromJson<ReferralState>(Json)
            ?? throw new InvalidDataException($"State of {reference} is empty.");
        return (state, content.Details.ETag);
    }

    // ---- the audit trail ----

    public async Task AppendAuditAsync(string reference, AuditEntry entry, CancellationToken ct)
    {
        var blob = _container.GetAppendBlobClient(AuditPath(reference));
        await blob.CreateIfNotExistsAsync(cancellationToken: ct).ConfigureAwait(false);
        var line = JsonSerializer.Serialize(entry, Json) + "\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line));
        await blob.AppendBlockAsync(stream, cancellationToken: ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(string reference, CancellationToken ct)
    {
        var content = await DownloadAsync(AuditPath(reference), ct).ConfigureAwait(false);
        if (content is null)
        {
            return [];
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

    private Task UploadJsonAsync<T>(string path, T value, BlobRequestConditions conditions, CancellationToken ct) =>
        _container.GetBlobClient(path).UploadAsync(
            BinaryData.FromObjectAsJson(value, Json),
            new BlobUploadOptions { Conditions = conditions, HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            ct);
}
