using System.Text.Json.Serialization;
using ReferralIntake.Domain.Triage;
using Route = ReferralIntake.Domain.Triage.Route;

namespace ReferralIntake.Functions.Storage;

/// <summary>Where a referral is. The contract's status names are <see cref="ReferralStatuses.Wire"/>.</summary>
public enum ReferralStatus
{
    Received,
    Triaged,
    Delivered,
    Failed,
    Acknowledged,
    Undeliverable,
}

/// <summary>Where one route's hand-off is (API.md, "Status, per route").</summary>
public enum RouteState
{
    Pending,
    Retrying,
    Delivered,
    Acknowledged,
    WrongArea,
    Undeliverable,

    /// <summary>A signposting route: the advice was given to the reporter; nothing is sent.</summary>
    Recorded,
}

public static class ReferralStatuses
{
    /// <summary>The status as API.md names it: received, triaged, delivered, failed.</summary>
    public static string Wire(this ReferralStatus status) => status switch
    {
        ReferralStatus.Received => "received",
        ReferralStatus.Triaged => "triaged",
        ReferralStatus.Delivered => "delivered",
        ReferralStatus.Failed => "failed",
        ReferralStatus.Acknowledged => "acknowledged",
        ReferralStatus.Undeliverable => "undeliverable",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    /// <summary>A route's state as API.md names it: pending, retrying, delivered, acknowledged, wrong-area, undeliverable, recorded.</summary>
    public static string Wire(this RouteState state) => state switch
    {
        RouteState.Pending => "pending",
        RouteState.Retrying => "retrying",
        RouteState.Delivered => "delivered",
        RouteState.Acknowledged => "acknowledged",
        RouteState.WrongArea => "wrong-area",
        RouteState.Undeliverable => "undeliverable",
        RouteState.Recorded => "recorded",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}

/// <summary>
/// What is known about a referral beside its report: who sent it, where it is, the triage decision (the
/// domain's own, as decided), the routes added after it (escalation, fallback) and each route's
/// hand-off; <see cref="Sandbox"/> when a sandbox key sent it (never delivered to a force, swept after a
/// day, left out of statistics); and its <see cref="Audit"/> trail, so one write records a change and the
/// lines that say what it was; and its <see cref="Links"/> to other referrals naming the same account, for the
/// forces only (never in the partner's status), and the link <see cref="Notices"/> owed to its force by later referrals
/// (keyed by their reference). Stored as {reference}/state.json and updated with optimistic concurrency
/// (ETags), so two workers cannot both record a decision, nor both claim a route.
/// </summary>
public sealed record ReferralState(
    string Reference,
    string PartnerId,
    ReferralStatus Status,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    TriageDecision? Triage = null,
    string? FailureReason = null,
    IReadOnlyDictionary<string, RouteDelivery>? Deliveries = null,
    string? TraceParent = null,
    IReadOnlyList<Route>? AddedRoutes = null,
    bool Sandbox = false,
    string? Language = null,
    IReadOnlyList<AuditEntry>? Audit = null,
    Links.ReferralLinks? Links = null,
    IReadOnlyDictionary<string, Links.LinkNotice>? Notices = null)
{
    /// <summary>The decision's routes, then those added after it (CEOP on escalation or as a fallback).</summary>
    public IEnumerable<Route> AllRoutes => (Triage?.Routes ?? []).Concat(AddedRoutes ?? []);

    public RouteDelivery? DeliveryOf(string routeKey) => Deliveries?.GetValueOrDefault(routeKey);

    /// <summary>This state with one route's hand-off replaced.</summary>
    public ReferralState WithDelivery(string routeKey, RouteDelivery delivery)
    {
        var deliveries = new Dictionary<string, RouteDelivery>(Deliveries ?? new Dictionary<string, RouteDelivery>()) { [routeKey] = delivery };
        return (this with { Deliveries = deliveries }).WithDerivedStatus();
    }

    /// <summary>
    /// The referral's status from its routes': delivered once every route is settled and a police or
    /// CEOP route (if any) has it; acknowledged once every such route is acknowledged; undeliverable when
    /// every route is settled and none of the police or CEOP routes could be delivered; triaged until then.
    /// </summary>
    public ReferralState WithDerivedStatus()
    {
        if (Triage is null || Status == ReferralStatus.Failed)
        {
            return this;
        }

        var routes = AllRoutes.Select(r => (r, Delivery: DeliveryOf(RouteKeys.KeyOf(r)))).ToList();
        if (routes.Any(x => x.Delivery is not { Final: true }))
        {
            return this with { Status = ReferralStatus.Triaged };
        }

        // A route the force turned down as not its area is settled, but it is not where the referral is.
        var authority = routes.Where(x => x.r.Kind is RouteKind.PoliceForce or RouteKind.Ceop).Select(x => x.Delivery!.State)
            .Where(state => state != RouteState.WrongArea).ToList();
        var status = authority.Count == 0 ? ReferralStatus.Delivered
            : authority.All(s => s == RouteState.Acknowledged) ? ReferralStatus.Acknowledged
            : authority.Any(s => s is RouteState.Delivered or RouteState.Acknowledged) ? ReferralStatus.Delivered
            : ReferralStatus.Undeliverable;
        return this with { Status = status };
    }
}

/// <summary>
/// One route's hand-off, keyed by <see cref="RouteKeys.KeyOf"/> (e.g. police-force:west-mercia). A
/// worker claims the route (<see cref="ClaimedUntil"/>, saved with the state's ETag) before it sends,
/// so no two workers send the same route at once.
/// </summary>
/// <param name="Escalated">Why this route was escalated (CEOP sent the referral too), in words; null if it was not.</param>
/// <param name="ForceNote">The force's note with its acknowledgement: kept for operators, never shown to the partner.</param>
public sealed record RouteDelivery(
    RouteState State,
    int Attempts = 0,
    DateTimeOffset? NextAttemptAt = null,
    DateTimeOffset? DeliveredAt = null,
    DateTimeOffset? AcknowledgedAt = null,
    string? Escalated = null,
    string? LastError = null,
    DateTimeOffset? ClaimedUntil = null,
    string? ForceNote = null,
    string? WaitingFor = null)
{
    /// <summary>Nothing more will be sent on this route.</summary>
    public bool Final => State is RouteState.Delivered or RouteState.Acknowledged or RouteState.WrongArea or RouteState.Undeliverable or RouteState.Recorded;

    public bool ClaimedAt(DateTimeOffset now) => ClaimedUntil is { } until && until > now;

    // WaitingFor: the destination (Destinations key) this route waits for while it is down. The route then has no
    // message of its own: the destination's release sends it (not before NextAttemptAt, its own schedule), or its
    // retry window's end decides it (DestinationHealthStore, DestinationRecovery).
}

/// <summary>One line of a referral's append-only audit trail. Never report content: events, routes, outcomes.</summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string Event,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Destination = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Outcome = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? StatusCode = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DurationMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Attempt = null)
{
    public const string Received = "received", Triaged = "triaged";

    public static AuditEntry ReceivedFrom(ReferralState state) => new(state.ReceivedAt, Received, $"from {state.PartnerId}{(state.Sandbox ? " (sandbox)" : "")}");

    public static AuditEntry TriagedAs(TriageDecision decision) =>
        new(decision.DecidedAt, Triaged, $"{decision.Priority}; routes: {string.Join(", ", decision.Routes.Select(RouteKeys.KeyOf))}");
}
