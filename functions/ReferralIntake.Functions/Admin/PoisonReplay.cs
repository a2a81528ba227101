using Azure.Storage.Queues.Models;
using Azure.Storage.Queues;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Admin;

/// <summary>A referral waiting in the poison queue, and why it failed.</summary>
public sealed record PoisonedReferral(string Reference, string? Status, string? FailureReason, DateTimeOffset? InsertedAt, long DequeueCount, string Queue);

/// <summary>
/// Lists the poison queues (the two triage lanes', the deliveries queue's) with each referral's failure
/// reason, and puts chosen referrals back on the queue they came from after a fix. A replayed referral
/// keeps its decision and the routes already delivered, so it is never delivered twice; a message found
/// twice in poison is replayed once.
/// </summary>
public sealed class PoisonReplay(StorageClients storage, ReferralStateStore store, TimeProvider clock)
{
    private const int MaxMessages = 5_000;

    /// <summary>Each poison queue, with the queue its messages came from: the two triage lanes and the deliveries queue.</summary>
    private IEnumerable<(QueueClient Poison, QueueClient Origin)> Queues =>
    [
        (storage.PoisonQueue, storage.Queue),
        (storage.UrgentPoisonQueue, storage.UrgentQueue),
        (storage.DeliveryPoisonQueue, storage.DeliveryQueue),
    ];

    /// <summary>The referral a poison message is about: a triage message is its reference; a deliveries message names it.</summary>
    private static string ReferenceOf(string body) => DeliverySchedule.Read(body)?.Reference ?? body.Trim();

    public async Task<IReadOnlyList<PoisonedReferral>> ListAsync(CancellationToken ct)
    {
        var found = new List<PoisonedReferral>();
        foreach (var (poison, _) in Queues)
        {
            await ForEachPoisonMessageAsync(poison, async m =>
            {
                var reference = ReferenceOf(m.Body.ToString());
                var state = References.IsWellFormed(reference) ? await store.LoadStateAsync(reference, ct).ConfigureAwait(false) : null;
                found.Add(new PoisonedReferral(reference, state?.Status.Wire(), state?.FailureReason, m.InsertedOn, m.DequeueCount, poison.Name));
                return false;
            }, ct).ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>Requeues the given references (all, when null) onto the queue each message came from. Returns those put back.</summary>
    public async Task<IReadOnlyList<string>> ReplayAsync(IReadOnlySet<string>? references, string by, CancellationToken ct)
    {
        var replayed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (poison, origin) in Queues)
        {
            var requeued = new HashSet<string>(StringComparer.Ordinal);
            await ForEachPoisonMessageAsync(poison, async m =>
            {
                var body = m.Body.ToString();
                var reference = ReferenceOf(body);
                if (!References.IsWellFormed(reference) || (references is not null && !references.Contains(reference)))
                {
                    return false;
                }

                if (requeued.Add(body))
                {
                    if (replayed.Add(reference))
                    {
                        // Failed no longer, and the replay on its trail, in one write (nothing, if it was erased).
                        await store.UpdateStateAsync(reference, s => s.Status == ReferralStatus.Failed
                            ? s with { Status = s.Triage is null ? ReferralStatus.Received : ReferralStatus.Triaged, FailureReason = null }
                            : s, ct, [new AuditEntry(clock.GetUtcNow(), "replayed", $"requeued from {poison.Name} by {by}")]).ConfigureAwait(false);
                    }

                    await origin.SendMessageAsync(body, ct).ConfigureAwait(false);
                }

                return true; // delete from poison: requeued now, or a duplicate of one just requeued
            }, ct).ConfigureAwait(false);
        }

        return [.. replayed];
    }

    /// <summary>Removes every poison message about one referral (an erasure). Returns how many went.</summary>
    public async Task<int> RemoveAsync(string reference, CancellationToken ct)
    {
        var removed = 0;
        foreach (var (poison, _) in Queues)
        {
            await ForEachPoisonMessageAsync(poison, m =>
            {
                var about = ReferenceOf(m.Body.ToString()) == reference;
                removed += about ? 1 : 0;
                return Task.FromResult(about);
            }, ct).ConfigureAwait(false);
        }

        return removed;
    }

    /// <summary>Walks a poison queue once; a message the visitor returns true for is deleted, others are released at once.</summary>
    private async Task ForEachPoisonMessageAsync(QueueClient poison, Func<QueueMessage, Task<bool>> visit, CancellationToken ct)
    {
        await storage.EnsureCreatedOnceAsync(ct).ConfigureAwait(false);
        var held = new List<QueueMessage>();
        try
        {
            while (held.Count < MaxMessages)
            {
                var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    if (await visit(message).ConfigureAwait(false))
                    {
                        await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct).ConfigureAwait(false);
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
                await poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
