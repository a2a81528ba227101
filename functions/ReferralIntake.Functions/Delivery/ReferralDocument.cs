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

    /// <summary>How the route's reason says that three or more referrals name one account.</summary>
    public const string LinkedReasonStart = "The account is named in";

    public const int Version = 1;

    /// <summary>The document for one route of a decision: the domain's report and decision, in the contract's words.</summary>
    /// <param name="language">The language the report was made in: "en", or "cy" for Welsh (an addition to API.md).</param>
    public static ReferralDocument For(string reference, string routeKey, DateTimeOffset receivedAt, Route route, TriageDecision decision, ConcernReport report, bool sandbox = false,
        string? language = null, IReadOnlyList<Links.LinkedAccount>? links = null) =>
        new(Version, reference, routeKey, receivedAt, WithLinks(ContractMapping.ToBody(route), route, links), ContractMapping.ToBody(decision), ContractMapping.ToRequest(report),
            sandbox ? true : null, language ?? "en", links is { Count: > 0 } ? links : null);

    /// <summary>
    /// Three or more referrals naming one account (this one and two others): the police route's document asks for the
    /// regional unit to be told, with the reason (TRIAGE.md, "Linked reports"). In the document only: the decision, and
    /// so the partner's status, stay what triage made of the report alone.
    /// </summary>
    private static RouteBody WithLinks(RouteBody body, Route route, IReadOnlyList<Links.LinkedAccount>? links) =>
        route.Kind != RouteKind.PoliceForce || RegionalUnitReason(links, route.Force?.Name ?? "this force") is not { } why
            ? body
            : body with { NotifyRegionalUnit = true, Reason = string.IsNullOrEmpty(body.Reason) ? why : $"{body.Reason} {why}" };

    /// <summary>
    /// "The account is named in N referrals held by …" when one account is named by this referral (held by
    /// <paramref name="ownHolder"/>) and two or more of <paramref name="links"/>; null below three.
    /// </summary>
    public static string? RegionalUnitReason(IReadOnlyList<Links.LinkedAccount>? links, string ownHolder)
    {
        if (links?.Where(l => l.Referrals.Count >= 2).MaxBy(l => l.Referrals.Count) is not { } most)
        {
            return null;
        }

        var holders = most.Referrals.Select(r => ReferralIntake.Functions.Links.LinkedReferral.HolderName(r.ForceId)).Append(ownHolder).Distinct(StringComparer.Ordinal).ToList();
        var held = holders.Count == 1 ? holders[0] : $"{string.Join(", ", holders.SkipLast(1))} and {holders[^1]}";
        return $"{LinkedReasonStart} {most.Referrals.Count + 1} referrals held by {held}.";
    }
}

/// <summary>What a partner's callback receives: the status and the decision with each route's hand-off, never the report.</summary>
public sealed record PartnerCallback(
    int ContractVersion,
    string Reference,
    string Status,
    TriageBody? Triage);
