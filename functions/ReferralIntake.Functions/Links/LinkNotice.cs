using System.Text.Json.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Links;

/// <summary>
/// A link notice owed to the force holding an earlier referral (TRIAGE.md, "Linked reports"): a later referral,
/// <see cref="From"/>, named an account this one named. Kept in the earlier referral's state, keyed by the later
/// reference, so there is one per pair however often the later triage is tried. <see cref="Links"/> are what the
/// notice names: the later referral and the others it was linked to, never this one and never any content.
/// <see cref="Delivery"/> is its own hand-off (pending, retrying, delivered, undeliverable), apart from the referral's routes.
/// </summary>
public sealed record LinkNotice(string From, string ForceId, DateTimeOffset CreatedAt, IReadOnlyList<LinkedAccount> Links, RouteDelivery Delivery)
{
    /// <summary>Its key in the referral's audit trail: "link-notice:RI-…" (never shown to the partner).</summary>
    public string AuditKey => KeyPrefix + From;

    public const string KeyPrefix = "link-notice:";
}

/// <summary>
/// What the force receives (API.md, "Linked referrals"): <c>kind</c> "link-notice", the force's own referral and the
/// referrals now linked to it. <see cref="NotifyRegionalUnit"/> and <see cref="Reason"/> (an addition): three or more
/// referrals name one account, so the force should tell its regional organised crime unit.
/// </summary>
public sealed record LinkNoticeDocument(
    string Kind,
    int Version,
    string Reference,
    IReadOnlyList<LinkedAccount> Links,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? NotifyRegionalUnit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null)
{
    public const string NoticeKind = "link-notice";
}
