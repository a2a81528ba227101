using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using Route = ReferralIntake.Domain.Triage.Route;
using ReferralIntake.Functions.Api;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// What a destination receives: the report as written, the decision with its reasons, the route that
/// brought it there, and the reference (also the delivery's idempotency key). Contract version 1.
/// <see cref="Kind"/> is "referral" (a link notice is another kind); <see cref="Links"/>, when the report names
/// an account other referrals named, lists them (API.md, "Linked referrals"; forces only).
/// </summary>
public sealed record ReferralDocument(
    int ContractVersion,
    string Reference,
    string Destination,
    DateTimeOffset ReceivedAt,
    RouteBody Route,
    TriageBody Triage,
    ReferralRequest Report,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? Sandbox = null,
    string Language = "en",
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Links.LinkedAccount>? Links = null,
    string Kind = ReferralDocument.ReferralKind)
{
    public const string ReferralKind = "referral";

    public const int Version = 1;

    /// <summary>The document for one route of a decision: the domain's report and decision, in the contract's words.</summary>
    /// <param name="language">The language the report was made in: "en", or "cy" for Welsh (an addition to API.md).</param>
    public static ReferralDocument For(string reference, string routeKey, DateTimeOffset receivedAt, Route route, TriageDecision decision, ConcernReport report, bool sandbox = false,
        string? language = null, IReadOnlyList<Links.LinkedAccount>? links = null) =>
        new(Version, reference, routeKey, receivedAt, ContractMapping.ToBody(route), ContractMapping.ToBody(decision), ContractMapping.ToRequest(report), sandbox ? true : null, language ?? "en",
            links is { Count: > 0 } ? links : null);
}

/// <summary>What a partner's callback receives: the status and the decision with each route's hand-off, never the report.</summary>
public sealed record PartnerCallback(
    int ContractVersion,
    string Reference,
    string Status,
    TriageBody? Triage);
