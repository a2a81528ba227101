using ReferralIntake.Functions.Api;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// What a destination receives: the report as written, the decision with its reasons, the route that
/// brought it there, and the reference (also the delivery's idempotency key). Contract version 1.
/// </summary>
public sealed record ReferralDocument(
    int ContractVersion,
    string Reference,
    string Destination,
    DateTimeOffset ReceivedAt,
    RouteBody Route,
    TriageBody Triage,
    ReferralRequest Report);

/// <summary>What a partner's callback receives: the decision and each delivery's outcome, never the report.</summary>
public sealed record PartnerCallback(
    int ContractVersion,
    string Reference,
    string Status,
    TriageBody? Triage,
    IReadOnlyDictionary<string, Storage.DeliveryRecord> Deliveries);
