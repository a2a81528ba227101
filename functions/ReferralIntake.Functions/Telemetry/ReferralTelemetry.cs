using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ReferralIntake.Functions.Telemetry;

/// <summary>
/// The app's own traces and metrics. Attributes carry the reference, priority, route kind, force id
/// and outcome only: never the description, a postcode, a name or any other report content.
/// The submit span's context is kept with the referral, so triage and delivery join the same trace
/// although the queue message is the bare reference.
/// </summary>
public static class ReferralTelemetry
{
    public const string Name = "ReferralIntake";
    public const string ReferenceTag = "referral.reference";

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Received = Meter.CreateCounter<long>("referrals.received", description: "Referrals accepted (202).");
    public static readonly Counter<long> Triaged = Meter.CreateCounter<long>("referrals.triaged", description: "Triage decisions, by priority.");
    public static readonly Counter<long> StorageRequests = Meter.CreateCounter<long>("referrals.storage.requests", description: "Storage requests sent (each retry too), by call and step.");
    public static readonly Counter<long> DestinationProbes = Meter.CreateCounter<long>("referrals.destination.probes", description: "Probes of destinations whose routes wait, by destination and outcome (up, paused, down).");
    public static readonly Counter<long> Routed = Meter.CreateCounter<long>("referrals.routed", description: "Routes decided, by kind and force.");
    public static readonly Counter<long> Delivered = Meter.CreateCounter<long>("referrals.delivered", description: "Referrals delivered on every route.");
    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("referrals.failed", description: "Referrals marked failed after their last try.");
    public static readonly Counter<long> Poisoned = Meter.CreateCounter<long>("referrals.poisoned", description: "Queue messages sent to the poison queue.");
    public static readonly Counter<long> RetriesScheduled = Meter.CreateCounter<long>("referrals.retries_scheduled", description: "Failed delivery attempts scheduled to be tried again, by route kind.");
    public static readonly Counter<long> Escalations = Meter.CreateCounter<long>("referrals.escalations", description: "Escalations (CEOP also sent the referral, or operations alerted), by priority and action.");
    public static readonly Counter<long> Undeliverable = Meter.CreateCounter<long>("referrals.undeliverable", description: "Routes given up after the retry window, by route kind.");

    /// <summary>P1 referrals this process knows are not yet with their force or CEOP, with when they were accepted.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> UndeliveredP1s = new(StringComparer.Ordinal);

    public static void TrackUndeliveredP1(string reference, DateTimeOffset acceptedAt, bool undelivered)
    {
        if (undelivered)
        {
            UndeliveredP1s[reference] = acceptedAt;
        }
        else
        {
            UndeliveredP1s.TryRemove(reference, out _);
        }
    }

    /// <summary>The age of the oldest P1 not yet delivered (0 when there is none): the figure an operator alerts on.</summary>
    public static readonly ObservableGauge<double> OldestUndeliveredP1 = Meter.CreateObservableGauge(
        "referrals.oldest_undelivered_p1", () => UndeliveredP1s.IsEmpty ? 0 : (DateTimeOffset.UtcNow - UndeliveredP1s.Values.Min()).TotalSeconds,
        unit: "s", description: "Age of the oldest P1 referral not yet delivered to its force or CEOP.");

    public static readonly Histogram<double> ReceiptToDelivery = Meter.CreateHistogram<double>(
        "referrals.receipt_to_delivery", unit: "s", description: "Time from acceptance to delivery on every route.");

    /// <summary>A span for one stage of a referral, joined to the trace its submission started where known.</summary>
    /// <summary>A span of the hand-off's own work for a destination (its probe, its release), named by the destination.</summary>
    public static Activity? StartForDestination(string name, string destination)
    {
        var activity = Source.StartActivity(name);
        activity?.SetTag("referral.destination", destination);
        return activity;
    }

    public static Activity? Start(string name, string reference, string? parentTraceId = null, ActivityKind kind = ActivityKind.Internal)
    {
        var activity = parentTraceId is not null && ActivityContext.TryParse(parentTraceId, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
        activity?.SetTag(ReferenceTag, reference);
        return activity;
    }
}
