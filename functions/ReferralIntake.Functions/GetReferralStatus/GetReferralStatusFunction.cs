using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.GetReferralStatus;

/// <summary>GET /api/referrals/{reference}: the submitting partner reads status, decision and audit trail.</summary>
public static class GetReferralStatusFunction
{
    public static async Task<Results<Ok<ReferralStatusBody>, ProblemHttpResult>> HandleAsync(
        string reference, ClaimsPrincipal user, HttpContext http, ReferralStateStore store, CancellationToken ct)
    {
        if (!References.IsWellFormed(reference))
        {
            return Problems.NotFound();
        }

        try
        {
            // Another partner's referral answers exactly as a missing one does, so references cannot be probed.
            if (await store.LoadStateAsync(reference, ct).ConfigureAwait(false) is not { } state || state.PartnerId != PartnerAuthentication.PartnerId(user))
            {
                return Problems.NotFound();
            }

            var audit = await store.ReadAuditAsync(state, ct).ConfigureAwait(false);
            return TypedResults.Ok(new ReferralStatusBody(state.Reference, state.Status.Wire(), ContractMapping.ToTriageBody(state), state.FailureReason, audit));
        }
        catch (Exception e) when (IntakeResilience.IsOutage(e))
        {
            return Problems.Unavailable(http, TimeSpan.FromSeconds(30), "Storage cannot be reached just now. Please try again shortly.");
        }
    }
}
