namespace ReferralIntake.Functions.Links;

/// <summary>
/// What triage found and kept for linking one referral (TRIAGE.md, "Linked reports"): the link index keys of
/// the accounts it names (keyed hashes, never names: what erasure and retention remove it by), and the
/// earlier referrals that named one of them. Kept in the referral's state, saved with its decision.
/// </summary>
public sealed record ReferralLinks(IReadOnlyList<string> IndexKeys, IReadOnlyList<LinkedAccount> Linked);

/// <summary>One account the referral shares with earlier referrals: the platform's id (never the username) and those referrals (API.md, "Linked referrals").</summary>
public sealed record LinkedAccount(string Platform, IReadOnlyList<LinkedReferral> Referrals);

/// <summary>An earlier referral naming the same account: its reference, the force (or "ceop") it went to, when it was accepted, its priority. Never its content.</summary>
public sealed record LinkedReferral(string Reference, string ForceId, DateTimeOffset AcceptedAt, string Priority)
{
    /// <summary>A referral as others see it in a link: held by its first police or CEOP route's force ("ceop"); null with no such route.</summary>
    public static LinkedReferral? Of(string reference, DateTimeOffset acceptedAt, Domain.Triage.TriageDecision decision) =>
        decision.Routes.FirstOrDefault(r => r.Kind is Domain.Triage.RouteKind.PoliceForce or Domain.Triage.RouteKind.Ceop) is { } authority
            ? new LinkedReferral(reference, authority.Force?.Id ?? "ceop", acceptedAt, decision.Priority.ToString())
            : null;

    /// <summary>Who holds a linked referral, in words: a force's name, or CEOP.</summary>
    public static string HolderName(string forceId) => forceId == "ceop" ? "CEOP" : Domain.Forces.ForceDirectory.Default.Find(forceId)?.Name ?? forceId;
}
