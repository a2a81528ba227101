using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Telemetry;
using System.Diagnostics;

namespace ReferralIntake.Functions.TriageReferral;

/// <summary>
/// The queue-triggered function: load the report, run the triage policy, record the decision, then
/// hand over to delivery, and owe a link notice to the force of each earlier referral it links to. The Functions host triggers it from the referrals queue and the urgent lane: it
/// throws to have the message tried again, and after the last try (host.json's maxDequeueCount) the
/// message goes to the poison queue.
/// </summary>
public sealed partial class TriageReferralFunction(
    ReferralStateStore store,
    ErasureRegistry erasures,
    TriagePolicy policy,
    Links.ReferralLinker linker,
    IReferralDelivery delivery,
    Links.LinkNotices notices,
    TimeProvider clock,
    QueueTriggerOptions triggers,
    ILogger<TriageReferralFunction> log)
{
    public const string Name = "TriageReferral", UrgentName = "TriageUrgentReferral";

    /// <summary>The referrals queue's trigger (the isolated worker's entry point; host.json sets its batches and tries).</summary>
    [Function(Name)]
    public Task Run([QueueTrigger("%" + SettingNames.QueueName + "%", Connection = SettingNames.StorageConnection)] string message, long dequeueCount,
        CancellationToken ct) => RunAsync(message, dequeueCount, triggers.MaxDequeueCount, ct);

    /// <summary>The urgent lane's own trigger: no backlog in the referrals queue is ever in front of a P1.</summary>
    [Function(UrgentName)]
    public Task RunUrgent([QueueTrigger("%" + SettingNames.UrgentQueueName + "%", Connection = SettingNames.StorageConnection)] string message, long dequeueCount,
        CancellationToken ct) => RunAsync(message, dequeueCount, triggers.MaxDequeueCount, ct);

    /// <param name="message">The queue message: a referral reference (claim check), never report content.</param>
    /// <param name="dequeueCount">How many times the message has been received, this time included.</param>
    /// <param name="maxDequeueCount">The try after which the message goes to the poison queue.</param>
    public async Task RunAsync(string message, long dequeueCount, int maxDequeueCount, CancellationToken ct)
    {
        var reference = message.Trim().Trim('"');
        if (!References.IsWellFormed(reference))
        {
            // Nothing to mark failed; leave it to the poison queue for a person to look at.
            LogMalformedMessage(log, dequeueCount);
            throw new InvalidDataException("The queue message is not a referral reference.");
        }

        ReferralWork? work = null;
        try
        {
            // A first try reads the report alone: state.json is written by this triage (LoadWorkAsync says why that is safe).
            work = await store.LoadWorkAsync(reference, ct, firstTry: dequeueCount == 1).ConfigureAwait(false);
            if (work is null && await erasures.IsErasedAsync(reference, ct).ConfigureAwait(false))
            {
                throw new ReferralErasedException(reference);
            }

            if (work is null)
            {
                throw new InvalidOperationException($"No stored report for referral {reference}.");
            }

            using var activity = ReferralTelemetry.Start("referral.triage", reference, work.State.TraceParent, ActivityKind.Consumer);
            activity?.SetTag("messaging.message.delivery_count", dequeueCount);
            try
            {
                // Decided once: a message seen again (at-least-once delivery) finds the decision already made, and
                // the decision is saved (with the hand-off's start) before anything is delivered.
                var decision = work.State.Triage is null ? policy.Decide(work.Report) : null;
                // Linked to other referrals naming the same account before the decision is saved, and saved with it:
                // a retried triage finds its index entries written (once: they are named by the referral).
                var links = decision is null ? null : await linker.LinkAsync(work, decision, ct).ConfigureAwait(false);
                if (await delivery.DeliverAsync(work, decision, dequeueCount, ct, links).ConfigureAwait(false))
                {
                    Triaged(work.State.Triage!, reference);
                }

                // Each earlier linked referral's force is owed a notice: made after this decision is saved, once per pair
                // (a try that died before this makes them now).
                await notices.CreateForAsync(work, ct).ConfigureAwait(false);
            }
            finally
            {
                // Everything else this try did, in one append: written whether it succeeded or not.
                await store.FlushAuditAsync(work, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (ReferralErasedException)
        {
            LogErased(log, reference); // erased on request: the message is done with, never poison
        }
        catch (Exception e) when (dequeueCount >= maxDequeueCount && !ct.IsCancellationRequested)
        {
            ReferralTelemetry.Failed.Add(1);
            ReferralTelemetry.Poisoned.Add(1);
            var reason = $"Gave up after {dequeueCount} tries: {Describe(e)}";
            LogGaveUp(log, reference, dequeueCount, e.GetType().Name);
            await store.UpdateStateAsync(reference, s => s with { Status = ReferralStatus.Failed, FailureReason = reason }, ct,
                [new AuditEntry(clock.GetUtcNow(), "failed", reason, Attempt: (int)dequeueCount)]).ConfigureAwait(false);
            throw;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogWillRetry(log, reference, dequeueCount, e.GetType().Name);
            throw;
        }
    }

    private void Triaged(TriageDecision decision, string reference)
    {
        var priority = decision.Priority.ToString();
        ReferralTelemetry.Triaged.Add(1, new KeyValuePair<string, object?>("priority", priority));
        foreach (var route in decision.Routes)
        {
            ReferralTelemetry.Routed.Add(1, new("route", route.KindName), new("force_id", route.Force?.Id ?? "none"));
        }

        Activity.Current?.SetTag("referral.priority", priority);
        LogTriaged(log, reference, priority, decision.Routes.Length);
    }

    /// <summary>The failure in words safe to store and show: our own exceptions carry no report content.</summary>
    private static string Describe(Exception e) => e switch
    {
        Azure.RequestFailedException r => $"storage error {r.Status} {r.ErrorCode}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} was erased on request; its message is dropped")]
    private static partial void LogErased(ILogger logger, string reference);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} triaged {Priority} with {RouteCount} routes")]
    private static partial void LogTriaged(ILogger logger, string reference, string priority, int routeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference} failed on try {DequeueCount} ({Error}); it will be tried again")]
    private static partial void LogWillRetry(ILogger logger, string reference, long dequeueCount, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Referral {Reference} failed on its last try {DequeueCount} ({Error}); marked failed, message goes to poison")]
    private static partial void LogGaveUp(ILogger logger, string reference, long dequeueCount, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A queue message that is not a reference was received (try {DequeueCount})")]
    private static partial void LogMalformedMessage(ILogger logger, long dequeueCount);
}

/// <summary>Hands a triaged referral over to its routes (<see cref="Delivery.ReferralDelivery"/>).</summary>
public interface IReferralDelivery
{
    /// <summary>Records <paramref name="decision"/> (null when the state holds one already) and starts the hand-off,
    /// (with <paramref name="links"/>, the referrals it shares an account with) in one write, then delivers; adds its audit entries to <see cref="ReferralWork.Audit"/>. Returns whether this
    /// call recorded the decision. A route that fails is scheduled to be tried again, not thrown: this throws only
    /// when the service itself fails.</summary>
    Task<bool> DeliverAsync(ReferralWork work, TriageDecision? decision, long dequeueCount, CancellationToken ct, Links.ReferralLinks? links = null);
}
