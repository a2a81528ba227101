using System.Text.Json.Serialization;
using ReferralIntake.Domain.Triage;

namespace ReferralIntake.Functions.Storage;

/// <summary>Where a referral is. The contract's status names are <see cref="ReferralStatuses.Wire"/>.</summary>
public enum ReferralStatus
{
    Received,
    Triaged,
    Delivered,
    Failed,
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
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };
}

/// <summary>
/// What is known about a referral beside its report: who sent it, where it is, the triage decision (the
/// domain's own, as decided) and each delivery. Stored as {reference}/state.json and updated with
/// optimistic concurrency (ETags), so two workers handling the same message cannot both record a decision.
/// </summary>
public sealed record ReferralState(
    string Reference,
    string PartnerId,
    ReferralStatus Status,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    TriageDecision? Triage = null,
    string? FailureReason = null,
    IReadOnlyDictionary<string, DeliveryRecord>? Deliveries = null,
    string? TraceParent = null);

/// <summary>The outcome of one route's delivery, keyed by <see cref="RouteKeys.KeyOf"/> (e.g. police-force:west-mercia).</summary>
public sealed record DeliveryRecord(string Outcome, DateTimeOffset At, int Attempts, string? LastError = null);

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

    public static AuditEntry ReceivedFrom(ReferralState state) => new(state.ReceivedAt, Received, $"from {state.PartnerId}");

    public static AuditEntry TriagedAs(TriageDecision decision) =>
        new(decision.DecidedAt, Triaged, $"{decision.Priority}; routes: {string.Join(", ", decision.Routes.Select(RouteKeys.KeyOf))}");
}
