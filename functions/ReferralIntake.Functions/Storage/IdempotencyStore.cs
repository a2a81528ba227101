using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Serialization;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// The first answer to an Idempotency-Key: which referral it made, a hash of the body it came with, and
/// whether its referral was queued; or, once the referral was erased on request, only that (the body's
/// hash is dropped too), so a late retry is answered 410 Gone and stores nothing.
/// </summary>
public sealed record IdempotencyRecord(string Reference, string BodySha256, DateTimeOffset At, bool Queued = false, bool Erased = false);

/// <summary>Idempotency records, one blob per partner and key: idempotency/{partner}/{sha256 of key}.json.</summary>
public sealed class IdempotencyStore(StorageClients clients)
{
    public const string Prefix = "idempotency/";

    private static string PathOf(string partnerId, string keyHash) => $"{Prefix}{partnerId}/{keyHash}.json";

    public async Task<IdempotencyRecord?> ReadAsync(string partnerId, string keyHash, CancellationToken ct) =>
        (await clients.Container.DownloadIfExistsAsync(PathOf(partnerId, keyHash), ct).ConfigureAwait(false))
            ?.Content.ToObjectFromJson(AppJsonContext.Default.IdempotencyRecord);

    /// <summary>Records that the key's referral is on its queue, so a retry with the same key never queues it again.</summary>
    public Task MarkQueuedAsync(string partnerId, string keyHash, IdempotencyRecord record, CancellationToken ct) =>
        clients.Container.UploadJsonAsync(PathOf(partnerId, keyHash), record with { Queued = true }, AppJsonContext.Default.IdempotencyRecord,
            new BlobRequestConditions(), ct);

    /// <summary>After an erasure: the key's record keeps only that its referral was erased.</summary>
    public Task MarkErasedAsync(string partnerId, string keyHash, string reference, DateTimeOffset at, CancellationToken ct) =>
        clients.Container.UploadJsonAsync(PathOf(partnerId, keyHash), new IdempotencyRecord(reference, "", at, Queued: true, Erased: true),
            AppJsonContext.Default.IdempotencyRecord, new BlobRequestConditions(), ct);

    /// <summary>Claims an Idempotency-Key for a reference; false when another request claimed it first.</summary>
    public async Task<bool> TryClaimAsync(string partnerId, string keyHash, IdempotencyRecord record, CancellationToken ct)
    {
        try
        {
            await clients.Container.UploadJsonAsync(PathOf(partnerId, keyHash), record, AppJsonContext.Default.IdempotencyRecord,
                new BlobRequestConditions { IfNoneMatch = ETag.All }, ct).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (BlobJson.LostRace(e))
        {
            return false;
        }
    }
}
