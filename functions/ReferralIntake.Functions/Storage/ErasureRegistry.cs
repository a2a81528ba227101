using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Serialization;

namespace ReferralIntake.Functions.Storage;

/// <summary>That a referral was erased on request: who, when, which reference, what was removed. Never content.</summary>
public sealed record ErasureRecord(string Reference, DateTimeOffset ErasedAt, string ErasedBy, int BlobsRemoved = 0, int MessagesRemoved = 0);

/// <summary>The referral was erased on request while this work was under way: nothing more may be written for it.</summary>
public sealed class ReferralErasedException(string reference) : Exception($"Referral {reference} was erased on request.")
{
    public string Reference { get; } = reference;
}

/// <summary>
/// The record of each erasure, erasures/{reference}.json: written before anything is deleted, so it is
/// also the tombstone every writer checks after creating a blob of a referral (a writer that created
/// one after the erasure began deletes it again and stops). Neither retention nor the storage lifecycle
/// rule removes these records (infra excludes the prefix).
/// </summary>
public sealed class ErasureRegistry(StorageClients clients)
{
    public const string Prefix = "erasures/";

    private static string PathOf(string reference) => $"{Prefix}{reference}.json";

    public async Task<bool> IsErasedAsync(string reference, CancellationToken ct) =>
        (await clients.Container.GetBlobClient(PathOf(reference)).ExistsAsync(ct).ConfigureAwait(false)).Value;

    public Task RecordAsync(ErasureRecord record, CancellationToken ct) =>
        clients.Container.UploadJsonAsync(PathOf(record.Reference), record, AppJsonContext.Default.ErasureRecord, new BlobRequestConditions(), ct);

    /// <summary>Takes back a record written for a reference that turned out not to exist.</summary>
    public Task ForgetAsync(string reference, CancellationToken ct) =>
        clients.Container.DeleteBlobIfExistsAsync(PathOf(reference), cancellationToken: ct);

    /// <summary>
    /// After creating <paramref name="createdPaths"/> for a referral: if the referral has been erased
    /// meanwhile, removes what was just created and throws <see cref="ReferralErasedException"/>.
    /// Create first, check second: whichever of the erasure and this write comes first, nothing remains.
    /// </summary>
    public async Task ThrowIfErasedAsync(string reference, CancellationToken ct, params string[] createdPaths)
    {
        if (await IsErasedAsync(reference, ct).ConfigureAwait(false))
        {
            foreach (var path in createdPaths)
            {
                await clients.Container.DeleteBlobIfExistsAsync(path, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }

            throw new ReferralErasedException(reference);
        }
    }
}
