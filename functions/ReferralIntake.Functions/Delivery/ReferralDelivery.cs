using System.Text.Json;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using Route = ReferralIntake.Domain.Triage.Route;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.LocalInbox;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.TriageReferral;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// Delivers a triaged referral along each of its routes, independently: a police force or CEOP gets the
/// signed referral document (its webhook, or the local inbox in development); Childline, NSPCC and
/// Report Remove routes are recorded as advice given. Each route's outcome is saved as it happens, so a
/// retry (or a replay from poison) redoes only what has not yet succeeded. Throws when any route failed,
/// so the queue message comes back.
/// </summary>
public sealed partial class ReferralDelivery(
    ReferralStateStore store,
    Destinations destinations,
    LocalInboxMode inboxMode,
    LocalInboxStore inbox,
    WebhookSender sender,
    Partners partners,
    TimeProvider clock,
    ILogger<ReferralDelivery> log) : IReferralDelivery
{
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public async Task DeliverAsync(ReferralWork work, long dequeueCount, CancellationToken ct)
    {
        var reference = work.Reference;
        if (work.State.Status == ReferralStatus.Delivered || work.State.Triage is not { } triage)
        {
            return;
        }

        var outcomes = new Dictionary<string, DeliveryRecord>();
        var failures = new List<string>();
        foreach (var route in triage.Routes)
        {
            var key = RouteKeys.KeyOf(route);
            if (work.State.Deliveries?.GetValueOrDefault(key) is { Outcome: Delivered })
            {
                continue; // delivered on an earlier try: never twice
            }

            var attempts = new List<DeliveryAttempt>();
            using var activity = ReferralTelemetry.Start("referral.deliver", reference);
            activity?.SetTag("referral.route", key);
            DeliveryRecord record;
            try
            {
                if (route.Kind is RouteKind.PoliceForce or RouteKind.Ceop)
                {
                    await DeliverToAuthorityAsync(work.State, triage, route, key, work.Report, attempts, ct).ConfigureAwait(false);
                    record = new DeliveryRecord(Delivered, clock.GetUtcNow(), attempts.Count);
                }
                else
                {
                    // Signposting: the reporter was shown this advice at intake; recording it closes the route.
                    record = new DeliveryRecord(Delivered, clock.GetUtcNow(), 0, null);
                }
            }
            catch (DeliveryFailedException e) when (!ct.IsCancellationRequested)
            {
                failures.Add($"{key}: {e.Message}");
                record = new DeliveryRecord(Failed, clock.GetUtcNow(), attempts.Count, e.Message);
            }

            activity?.SetTag("referral.delivery.outcome", record.Outcome);
            activity?.SetTag("referral.delivery.attempts", attempts.Count);
            outcomes[key] = record;
            work.Audit.AddRange(attempts.Select(a => new AuditEntry(a.At, "delivery-attempt", $"queue try {dequeueCount}",
                key, a.Outcome, a.StatusCode, Math.Round(a.DurationMs, 1), a.Number)));
            work.Audit.Add(new AuditEntry(clock.GetUtcNow(), record.Outcome == Delivered
                ? (route.Kind is RouteKind.PoliceForce or RouteKind.Ceop ? "route-delivered" : "advice-recorded")
                : "route-failed", record.LastError, key, record.Outcome));
        }

        // Every route's outcome in one save; "delivered" once all routes are. A crash before this save
        // means the next try delivers again under the same Idempotency-Key: once in effect at the force.
        var allDone = failures.Count == 0;
        await store.SaveAsync(work, s => s.Status == ReferralStatus.Delivered ? null : s with
        {
            Deliveries = Merge(s.Deliveries, outcomes),
            Status = allDone ? ReferralStatus.Delivered : s.Status,
            FailureReason = allDone ? null : s.FailureReason,
        }, ct).ConfigureAwait(false);

        if (!allDone)
        {
            LogRoutesFailed(log, reference, failures.Count);
            throw new DeliveryFailedException(string.Join("; ", failures));
        }

        work.Audit.Add(new AuditEntry(clock.GetUtcNow(), "delivered", $"{triage.Routes.Length} routes"));
        ReferralTelemetry.Delivered.Add(1);
        ReferralTelemetry.ReceiptToDelivery.Record((clock.GetUtcNow() - work.State.ReceivedAt).TotalSeconds);
        LogDelivered(log, reference, triage.Routes.Length);
        await NotifyPartnerAsync(work, ct).ConfigureAwait(false);
    }

    private async Task DeliverToAuthorityAsync(ReferralState state, TriageDecision triage, Route route, string key,
        ConcernReport report, List<DeliveryAttempt> attempts, CancellationToken ct)
    {
        var destinationId = route.Force?.Id ?? "ceop";
        var document = JsonSerializer.SerializeToUtf8Bytes(
            ReferralDocument.For(state.Reference, key, state.ReceivedAt, route, triage, report), AppJsonContext.Default.ReferralDocument);
        if (destinations.For(destinationId) is { } destination)
        {
            await sender.SendAsync(destination, state.Reference, $"{state.Reference}:{key}", document, attempts, ct).ConfigureAwait(false);
        }
        else if (inboxMode.Enabled)
        {
            await inbox.SaveAsync(destinationId, state.Reference, document, ct).ConfigureAwait(false);
            attempts.Add(new DeliveryAttempt(1, clock.GetUtcNow(), Delivered, null, 0));
        }
        else
        {
            throw new DeliveryFailedException($"No delivery endpoint is configured for {destinationId} (set Destinations__{destinationId}__Url or Destinations__default__Url).");
        }
    }

    /// <summary>A partner that registered a callback hears the decision and each delivery's outcome; best effort.</summary>
    private async Task NotifyPartnerAsync(ReferralWork work, CancellationToken ct)
    {
        var state = work.State;
        if (partners.Find(state.PartnerId) is not { CallbackUrl: { } url, CallbackSecret: { Length: > 0 } secret })
        {
            return;
        }

        var attempts = new List<DeliveryAttempt>();
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new PartnerCallback(1, state.Reference, state.Status.Wire(), state.Triage is { } decision ? ContractMapping.ToBody(decision) : null,
                state.Deliveries ?? new Dictionary<string, DeliveryRecord>()),
            AppJsonContext.Default.PartnerCallback);
        string outcome;
        try
        {
            await sender.SendAsync(new Destination($"partner:{state.PartnerId}", url, secret), state.Reference,
                $"{state.Reference}:callback", body, attempts, ct).ConfigureAwait(false);
            outcome = Delivered;
        }
        catch (DeliveryFailedException e)
        {
            outcome = Failed;
            LogCallbackFailed(log, state.Reference, state.PartnerId, e.Message);
        }

        work.Audit.AddRange(attempts.Select(a => new AuditEntry(a.At, "delivery-attempt", null, "partner-callback", a.Outcome, a.StatusCode, Math.Round(a.DurationMs, 1), a.Number)));
        work.Audit.Add(new AuditEntry(clock.GetUtcNow(), "partner-notified", Destination: "partner-callback", Outcome: outcome));
    }

    /// <summary>The deliveries recorded so far with this try's outcomes over them; a delivered route stays delivered.</summary>
    private static Dictionary<string, DeliveryRecord> Merge(IReadOnlyDictionary<string, DeliveryRecord>? recorded, Dictionary<string, DeliveryRecord> outcomes)
    {
        var merged = new Dictionary<string, DeliveryRecord>(recorded ?? new Dictionary<string, DeliveryRecord>());
        foreach (var (key, record) in outcomes)
        {
            if (merged.GetValueOrDefault(key) is not { Outcome: Delivered })
            {
                merged[key] = record;
            }
        }

        return merged;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} delivered on all {RouteCount} routes")]
    private static partial void LogDelivered(ILogger logger, string reference, int routeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: {FailedCount} routes failed this try")]
    private static partial void LogRoutesFailed(ILogger logger, string reference, int failedCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: callback to partner {PartnerId} failed ({Error})")]
    private static partial void LogCallbackFailed(ILogger logger, string reference, string partnerId, string error);
}
