using ReferralIntake.Domain.Links;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Links;

/// <summary>
/// Links a referral at triage to earlier ones naming the same online account (TRIAGE.md, "Linked reports"):
/// each account it names is indexed under its keyed hash, then looked up (index first, look second: two
/// referrals triaged at the same moment each find the other). An earlier referral counts when it was accepted
/// in the last 12 months and is still kept (erasure and retention remove its entries). For the forces only:
/// nothing here changes a priority, a route, the partner's status or the advice. A sandbox referral is never
/// indexed nor linked; nor is one with no police or CEOP route (no force to tell).
/// </summary>
public sealed class ReferralLinker(PlatformDirectory platforms, LinkKeys keys, LinkIndex index, ErasureRegistry erasures)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(365);

    /// <summary>The referral's index keys and links, its entries written; null when it names no account or is not linked at all.</summary>
    public async Task<ReferralLinks?> LinkAsync(ReferralWork work, TriageDecision decision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(decision);
        var accounts = Accounts.Of(work.Report, platforms);
        if (work.State.Sandbox || LinkedReferral.Of(work.Reference, work.State.ReceivedAt, decision) is not { } own || accounts.IsEmpty)
        {
            return null;
        }

        var indexKeys = accounts.Select(keys.Of).ToList();
        foreach (var key in indexKeys)
        {
            await index.AddAsync(key, own, ct).ConfigureAwait(false);
        }

        // Created first, checked second: an erasure that began meanwhile leaves none of these entries behind.
        await erasures.ThrowIfErasedAsync(work.Reference, ct, [.. indexKeys.Select(k => LinkIndex.EntryPath(k, work.Reference))]).ConfigureAwait(false);

        var linked = new List<LinkedAccount>();
        for (var i = 0; i < accounts.Length; i++)
        {
            var earlier = (await index.FindAsync(indexKeys[i], ct).ConfigureAwait(false))
                .Where(r => r.Reference != work.Reference && r.AcceptedAt > work.State.ReceivedAt - Window)
                .OrderBy(r => r.AcceptedAt).ThenBy(r => r.Reference, StringComparer.Ordinal)
                .ToList();
            if (earlier.Count > 0)
            {
                linked.Add(new LinkedAccount(accounts[i].PlatformId, earlier));
            }
        }

        return new ReferralLinks(indexKeys, linked);
    }
}
