using System.Text.Json;
using ReferralIntake.Domain.Reports;
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
    ReferralStore store,
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

    public async Task DeliverAsync(string reference, long dequeueCount, CancellationToken ct)
    {
        var state = await store.LoadStateAsync(reference, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No stored state for referral {reference}.");
        if (state.Status == ReferralStatus.Delivered || state.Triage is not { } triage)
        {
            return;
        }

        ConcernReport? report = null;
        var failures = new List<string>();
        foreach (var route in triage.Routes)
        {
            var key = KeyOf(route);
            if (state.Deliveries?.GetValueOrDefault(key) is { Outcome: Delivered })
            {
                continue; // delivered on an earlier try: never twice
            }

            var attempts = new List<DeliveryAttempt>();
            using var activity = ReferralTelemetry.Start("referral.deliver", reference);
            activity?.SetTag("referral.route", key);
            DeliveryRecord record;
            try
            {
                if (route.Kind is "police-force" or "ceop")
                {
                    report ??= await store.LoadReportAsync(reference, ct).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"No stored report for referral {reference}.");
                    await DeliverToAuthorityAsync(state, triage, route, key, report, attempts, ct).ConfigureAwait(false);
                    record = new DeliveryRecord(Delivered, clock.GetUtcNow(), attempts.Count);
                }
                else
                {
                    // Signposting: the reporter was shown this advice at intake; recording it closes the route.
                    record = new DeliveryRecord(Delivered, clock.GetUtcNow(), 0, null);
                }
            }
            catch (Exception e) when (e is DeliveryFailedException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                failures.Add($"{key}: {e.Message}");
                record = new DeliveryRecord(Failed, clock.GetUtcNow(), attempts.Count, e.Message);
            }

            activity?.SetTag("referral.delivery.outcome", record.Outcome);
            activity?.SetTag("referral.delivery.attempts", attempts.Count);
            await AuditAttemptsAsync(reference, key, attempts, dequeueCount, ct).ConfigureAwait(false);
            state = await store.UpdateStateAsync(reference, s => s with { Deliveries = With(s.Deliveries, key, record) }, ct).ConfigureAwait(false) ?? state;
            await store.AppendAuditAsync(reference, new AuditEntry(clock.GetUtcNow(), record.Outcome == Delivered
                ? (route.Kind is "police-force" or "ceop" ? "route-delivered" : "advice-recorded")
                : "route-failed", record.LastError, key, record.Outcome), ct).ConfigureAwait(false);
        }

        if (failures.Count > 0)
        {
            LogRoutesFailed(log, reference, failures.Count);
            throw new DeliveryFailedException(string.Join("; ", failures));
        }

        var delivered = await store.UpdateStateAsync(reference, s => s.Status == ReferralStatus.Delivered ? null : s with { Status = ReferralStatus.Delivered, FailureReason = null }, ct).ConfigureAwait(false);
        if (delivered is not null)
        {
            await store.AppendAuditAsync(reference, new AuditEntry(clock.GetUtcNow(), "delivered", $"{triage.Routes.Count} routes"), ct).ConfigureAwait(false);
            ReferralTelemetry.Delivered.Add(1);
            ReferralTelemetry.ReceiptToDelivery.Record((clock.GetUtcNow() - delivered.ReceivedAt).TotalSeconds);
            LogDelivered(log, reference, triage.Routes.Count);
            await NotifyPartnerAsync(delivered, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The key of a route's delivery: the route kind, and the force for a police route.</summary>
    public static string KeyOf(RouteBody route) => route.ForceId is null ? route.Kind : $"{route.Kind}:{route.ForceId}";

    private async Task DeliverToAuthorityAsync(ReferralState state, TriageBody triage, RouteBody route, string key,
        ConcernReport report, List<DeliveryAttempt> attempts, CancellationToken ct)
    {
        var destinationId = route.ForceId ?? "ceop";
        var document = JsonSerializer.SerializeToUtf8Bytes(
            new ReferralDocument(1, state.Reference, key, state.ReceivedAt, route, triage, ContractMapping.ToRequest(report)),
            ContractMapping.Json);
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
    private async Task NotifyPartnerAsync(ReferralState state, CancellationToken ct)
    {
        if (partners.Find(state.PartnerId) is not { CallbackUrl: { } url, CallbackSecret: { Length: > 0 } secret })
        {
            return;
        }

        var attempts = new List<DeliveryAttempt>();
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new PartnerCallback(1, state.Reference, state.Status, state.Triage, state.Deliveries ?? new Dictionary<string, DeliveryRecord>()),
            ContractMapping.Json);
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

        await AuditAttemptsAsync(state.Reference, "partner-callback", attempts, 0, ct).ConfigureAwait(false);
        await store.AppendAuditAsync(state.Reference, new AuditEntry(clock.GetUtcNow(), "partner-notified", Destination: "partner-callback", Outcome: outcome), ct).ConfigureAwait(false);
    }

    private async Task AuditAttemptsAsync(string reference, string key, List<DeliveryAttempt> attempts, long dequeueCount, CancellationToken ct)
    {
        foreach (var a in attempts)
        {
            await store.AppendAuditAsync(reference, new AuditEntry(a.At, "delivery-attempt", dequeueCount > 0 ? $"queue try {dequeueCount}" : null,
                key, a.Outcome, a.StatusCode, Math.Round(a.DurationMs, 1), a.Number), ct).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, DeliveryRecord> With(IReadOnlyDictionary<string, DeliveryRecord>? deliveries, string key, DeliveryRecord record) =>
        new(deliveries ?? new Dictionary<string, DeliveryRecord>()) { [key] = record };

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} delivered on all {RouteCount} routes")]
    private static partial void LogDelivered(ILogger logger, string reference, int routeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: {FailedCount} routes failed this try")]
    private static partial void LogRoutesFailed(ILogger logger, string reference, int failedCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: callback to partner {PartnerId} failed ({Error})")]
    private static partial void LogCallbackFailed(ILogger logger, string reference, string partnerId, string error);
}
