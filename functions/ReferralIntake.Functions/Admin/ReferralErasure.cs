using ReferralIntake.Functions.RetentionSweep;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Admin;

/// <summary>
/// Erasure on request (a data subject's request, say): everything about one referral goes, and stays
/// gone. In order: the erasure record (the tombstone every writer checks, kept where retention does not
/// reach), the Idempotency-Key's record reduced to "erased" (a late retry gets 410 and stores nothing),
/// every blob of the referral and its place on any force's list, and its poison messages. Messages
/// still queued are dropped when next taken (the tombstone). What soft delete and backups keep is in
/// docs/operations.md ("Erasure").
/// </summary>
public sealed partial class ReferralErasure(
    ErasureRegistry erasures, ReportStore reports, IdempotencyStore idempotency, RetentionSweeper blobs, PoisonReplay poison,
    TimeProvider clock, ILogger<ReferralErasure> log)
{
    /// <summary>The record of the erasure; null when there was nothing to erase (no such referral, or erased already).</summary>
    public async Task<ErasureRecord?> EraseAsync(string reference, string erasedBy, CancellationToken ct)
    {
        var key = await reports.IdempotencyKeyOfAsync(reference, ct).ConfigureAwait(false);
        if (key is null && await erasures.IsErasedAsync(reference, ct).ConfigureAwait(false))
        {
            return null;
        }

        var record = new ErasureRecord(reference, clock.GetUtcNow(), erasedBy);
        await erasures.RecordAsync(record, ct).ConfigureAwait(false); // first: from now on no writer leaves anything behind
        if (key is { KeySha256: { } keyHash } k)
        {
            await idempotency.MarkErasedAsync(k.PartnerId, keyHash, reference, record.ErasedAt, ct).ConfigureAwait(false);
        }

        var removedBlobs = await blobs.DeleteAllOfAsync(reference, ct).ConfigureAwait(false);
        var removedMessages = await poison.RemoveAsync(reference, ct).ConfigureAwait(false);
        if (key is null && removedBlobs == 0 && removedMessages == 0)
        {
            await erasures.ForgetAsync(reference, ct).ConfigureAwait(false); // there was no such referral: no record of erasing it
            return null;
        }

        record = record with { BlobsRemoved = removedBlobs, MessagesRemoved = removedMessages };
        await erasures.RecordAsync(record, ct).ConfigureAwait(false);
        LogErased(log, reference, erasedBy, removedBlobs, removedMessages);
        return record;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference} erased on request by {Operator}: {Blobs} blobs and {Messages} poison messages removed")]
    private static partial void LogErased(ILogger logger, string reference, string @operator, int blobs, int messages);
}
