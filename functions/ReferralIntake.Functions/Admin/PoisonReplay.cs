using Azure.Storage.Queues.Models;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Admin;

/// <summary>A referral waiting in the poison queue, and why it failed.</summary>
public sealed record PoisonedReferral(string Reference, string? Status, string? FailureReason, DateTimeOffset? InsertedAt, long DequeueCount);

/// <summary>
/// Lists the poison queue with each referral's failure reason, and puts chosen referrals back on the
/// main queue after a fix. A replayed referral keeps its decision and the routes already delivered,
/// so it is never delivered twice; a reference found twice in poison is replayed once.
/// </summary>
public sealed class PoisonReplay(StorageClients storage, ReferralStateStore store, TimeProvider clock)
{
    private const int MaxMessages = 5_000;

    public async Task<IReadOnlyList<PoisonedReferral>> ListAsync(CancellationToken ct)
    {
        var found = new List<PoisonedReferral>();
        await ForEachPoisonMessageAsync(async m =>
        {
            var reference = m.Body.ToString().Trim();
            var state = References.IsWellFormed(reference) ? await store.LoadStateAsync(reference, ct).ConfigureAwait(false) : null;
            found.Add(new PoisonedReferral(reference, state?.Status.Wire(), state?.FailureReason, m.InsertedOn, m.DequeueCount));
            return false;
        }, ct).ConfigureAwait(false);
        return found;
    }

    /// <summary>Requeues the given references (all, when null). Returns those put back.</summary>
    public async Task<IReadOnlyList<string>> ReplayAsync(IReadOnlySet<string>? references, CancellationToken ct)
    {
        var replayed = new HashSet<string>(StringComparer.Ordinal);
        await ForEachPoisonMessageAsync(async m =>
        {
            var reference = m.Body.ToString().Trim();
            if (!References.IsWellFormed(reference) || (references is not null && !references.Contains(reference)))
            {
                return false;
            }

            if (replayed.Add(reference))
            {
                await store.UpdateStateAsync(reference, s => s with
                {
                    Status = s.Triage is null ? ReferralStatus.Received : ReferralStatus.Triaged,
                    FailureReason = null,
                }, ct).ConfigureAwait(false);
                await store.AppendAuditAsync(reference, new AuditEntry(clock.GetUtcNow(), "replayed", "requeued from the poison queue"), ct).ConfigureAwait(false);
                await storage.Queue.SendMessageAsync(reference, ct).ConfigureAwait(false);
            }

            return true; // delete from poison: requeued now, or a duplicate of one just requeued
        }, ct).ConfigureAwait(false);
        return [.. replayed];
    }

    /// <summary>Walks the poison queue once; a message the visitor returns true for is deleted, others are released at once.</summary>
    private async Task ForEachPoisonMessageAsync(Func<QueueMessage, Task<bool>> visit, CancellationToken ct)
    {
        await storage.EnsureCreatedOnceAsync(ct).ConfigureAwait(false);
        var held = new List<QueueMessage>();
        try
        {
            while (held.Count < MaxMessages)
            {
                var batch = (await storage.PoisonQueue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    if (await visit(message).ConfigureAwait(false))
                    {
                        await storage.PoisonQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        held.Add(message);
                    }
                }
            }
        }
        finally
        {
            foreach (var message in held)
            {
                await storage.PoisonQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
