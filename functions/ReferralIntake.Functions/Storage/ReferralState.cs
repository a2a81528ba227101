using ReferralIntake.Functions.Api;

namespace ReferralIntake.Functions.Storage;

/// <summary>The contract's status values.</summary>
public static class ReferralStatus
{
    public const string Received = "received";
    public const string Triaged = "triaged";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>
/// What is known about a referral beside its report: who sent it, where it is, the triage decision and
/// each delivery. Stored as {reference}/state.json and updated with optimistic concurrency (ETags), so
/// two workers handling the same message cannot both record a decision.
/// </summary>
public sealed record ReferralState(
    string Reference,
    string PartnerId,
    string Status,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    TriageBody? Triage = null,
    string? FailureReason = null,
    IReadOnlyDictionary<string, DeliveryRecord>? Deliveries = null,
    string? TraceParent = null);

/// <summary>The outcome of one route's delivery, keyed by destination (e.g. police-force:west-midlands).</summary>
public sealed record DeliveryRecord(string Outcome, DateTimeOffset At, int Attempts, string? LastError = null);

/// <summary>The first answer to an Idempotency-Key: which referral it made, and a hash of the body it came with.</summary>
public sealed record IdempotencyRecord(string Reference, string BodySha256, DateTimeOffset At);
