using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.DeliverReferral;

/// <summary>
/// The deliveries queue's function: a route's scheduled attempt, an escalation check, or a link notice, once due (a
/// message that arrives early is scheduled again for its time). A failed delivery is not a failed
/// message: it is saved and scheduled; only a malformed message or a fault of the service itself
/// (storage down, a bug) fails, is tried again by the queue and, after the last try, goes to poison.
/// </summary>
public sealed partial class DeliverReferralFunction(
    ReferralStateStore store,
    ReferralDelivery delivery,
    DeliverySchedule schedule,
    DestinationRecovery recovery,
    Links.LinkNotices notices,
    QueueTriggerOptions triggers,
    ILogger<DeliverReferralFunction> log)
{
    public const string Name = "DeliverReferral";

    /// <summary>The deliveries queue's trigger (the isolated worker's entry point).</summary>
    [Function(Name)]
    public Task Run([QueueTrigger("%" + SettingNames.DeliveryQueueName + "%", Connection = SettingNames.StorageConnection)] string message, long dequeueCount,
        CancellationToken ct) => RunAsync(message, dequeueCount, triggers.MaxDequeueCount, ct);


    public async Task RunAsync(string message, long dequeueCount, int maxDequeueCount, CancellationToken ct)
    {
        if (DeliverySchedule.Read(message) is not { } due || !(References.IsWellFormed(due.Reference) || due is { Reference: "", Destination: { Length: > 0 } }))
        {
            LogMalformed(log, dequeueCount);
            throw new InvalidDataException("The deliveries queue message is not a delivery message.");
        }

        if (await schedule.PostponeIfEarlyAsync(due, ct).ConfigureAwait(false))
        {
            return;
        }

        if (due.Reference.Length == 0)
        {
            await recovery.HandleAsync(due, ct).ConfigureAwait(false); // the destination's own: its probe, or the release of its waiting routes
            return;
        }

        if (await store.LoadWorkAsync(due.Reference, ct).ConfigureAwait(false) is not { } work)
        {
            LogGone(log, due.Reference);
            return; // erased, or swept by retention: nothing left to deliver
        }

        try
        {
            if (due.Route is { } route)
            {
                await delivery.DeliverRouteAsync(work, route, ct).ConfigureAwait(false);
            }
            else if (due.Check is { } check)
            {
                await delivery.CheckAsync(work, check, ct).ConfigureAwait(false);
            }
            else if (due.Notice is { } from)
            {
                await notices.DeliverAsync(work, from, ct).ConfigureAwait(false);
            }
        }
        catch (ReferralErasedException)
        {
            LogGone(log, due.Reference); // erased on request while this worked on it: nothing more is written or sent
            return;
        }
        finally
        {
            try
            {
                await store.FlushAuditAsync(work, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ReferralErasedException)
            {
                // erased meanwhile: its trail is gone with it, as it should be
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A deliveries queue message that is not a delivery message was received (try {DequeueCount})")]
    private static partial void LogMalformed(ILogger logger, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} is no longer stored; its scheduled delivery work is dropped")]
    private static partial void LogGone(ILogger logger, string reference);
}
