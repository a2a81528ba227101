using System.Globalization;
using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Serialization;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// The reports, one blob each: {reference}/report.json, the domain's report as it was accepted,
/// written once at intake with its "received" record (partner, time, trace) as blob metadata. Read back
/// as it was kept, never validated again: a rule tightened tomorrow cannot strand a report accepted today.
/// </summary>
public sealed class ReportStore(StorageClients clients)
{
    private const string SandboxMetadata = "sandbox", LanguageMetadata = "language";
    private const string PartnerMetadata = "partner", ReceivedAtMetadata = "receivedat", TraceMetadata = "traceparent", IdempotencyMetadata = "idempotencykeysha256";

    public static string ReportPath(string reference) => $"{reference}/report.json";

    /// <summary>Stores the report and its "received" record once; a second store of the same reference keeps the first.</summary>
    /// <param name="idempotencyKeySha256">The hash of the Idempotency-Key it came with, if any: an erasure finds the key's record by it.</param>
    /// <param name="sandbox">Sent with a sandbox key: marked so in every record made from it.</param>
    /// <param name="language">The language it was made in ("en" or "cy"): the referral document tells the force.</param>
    public async Task StoreAsync(string reference, string partnerId, ConcernReport report, DateTimeOffset receivedAt, string? traceParent, string? idempotencyKeySha256, CancellationToken ct, bool sandbox = false, string language = "en")
    {
        var metadata = new Dictionary<string, string>
        {
            [LanguageMetadata] = language,
            [PartnerMetadata] = partnerId,
            [ReceivedAtMetadata] = receivedAt.ToString("O", CultureInfo.InvariantCulture),
            ["contractversion"] = ConcernReport.ContractVersion.ToString(CultureInfo.InvariantCulture),
        };
        if (traceParent is not null)
        {
            metadata[TraceMetadata] = traceParent;
        }

        if (idempotencyKeySha256 is not null)
        {
            metadata[IdempotencyMetadata] = idempotencyKeySha256;
        }

        if (sandbox)
        {
            metadata[SandboxMetadata] = "true";
        }

        try
        {
            await clients.Container.UploadJsonAsync(ReportPath(reference), report, AppJsonContext.Default.ConcernReport,
                new BlobRequestConditions { IfNoneMatch = ETag.All }, ct, metadata).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (BlobJson.LostRace(e))
        {
            // Already stored by an earlier attempt with the same reference.
        }
    }

    /// <summary>The report as kept, and the "received" state its metadata records; null when there is no such report.</summary>
    public async Task<(ConcernReport Report, ReferralState Received)?> LoadAsync(string reference, CancellationToken ct)
    {
        if (await clients.Container.DownloadIfExistsAsync(ReportPath(reference), ct).ConfigureAwait(false) is not { } blob)
        {
            return null;
        }

        var report = blob.Content.ToObjectFromJson(AppJsonContext.Default.ConcernReport)
            ?? throw new InvalidDataException($"Stored report {reference} is empty.");
        return (report, ReceivedState(reference, blob.Details.Metadata));
    }

    /// <summary>The "received" state from the report's metadata alone (no content read); null when there is no such report.</summary>
    public async Task<ReferralState?> ReceivedStateAsync(string reference, CancellationToken ct)
    {
        try
        {
            var properties = await clients.Container.GetBlobClient(ReportPath(reference)).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false);
            return ReceivedState(reference, properties.Value.Metadata);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The partner and the hash of the Idempotency-Key a stored report came with; null when there is no such report.</summary>
    public async Task<(string PartnerId, string? KeySha256)?> IdempotencyKeyOfAsync(string reference, CancellationToken ct)
    {
        try
        {
            var metadata = (await clients.Container.GetBlobClient(ReportPath(reference)).GetPropertiesAsync(cancellationToken: ct).ConfigureAwait(false)).Value.Metadata;
            return (metadata[PartnerMetadata], metadata.TryGetValue(IdempotencyMetadata, out var key) ? key : null);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static ReferralState ReceivedState(string reference, IDictionary<string, string> metadata)
    {
        var receivedAt = DateTimeOffset.Parse(metadata[ReceivedAtMetadata], CultureInfo.InvariantCulture);
        return new ReferralState(reference, metadata[PartnerMetadata], ReferralStatus.Received, receivedAt, receivedAt,
            TraceParent: metadata.TryGetValue(TraceMetadata, out var trace) ? trace : null,
            Sandbox: metadata.TryGetValue(SandboxMetadata, out var sandbox) && sandbox == "true",
            Language: metadata.TryGetValue(LanguageMetadata, out var language) ? language : null);
    }
}
