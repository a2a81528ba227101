using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.GetReferralStatus;

/// <summary>GET /api/referrals/{reference}: the submitting partner reads status, decision and audit trail.</summary>
public static class GetReferralStatusFunction
{
    /// <summary>The isolated worker's entry point (the partner's key and rate are FunctionAccessMiddleware's).</summary>
    [Function("GetReferralStatus")]
    [Access(Caller.Partner, RateLimits.PartnerStatus)]
    public static async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/referrals/{reference}")] HttpRequest request, string reference) =>
        await HandleAsync(reference, request.HttpContext.User, request.HttpContext, request.Service<ReferralStateStore>(),
            request.HttpContext.RequestAborted).ConfigureAwait(false);

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

            return TypedResults.Ok(BodyOf(state, withLinkNotices: false));
        }
        catch (Exception e) when (IntakeResilience.IsOutage(e))
        {
            return Problems.Unavailable(http, TimeSpan.FromSeconds(30), "Storage cannot be reached just now. Please try again shortly.");
        }
    }

    /// <summary>
    /// The status body. A link notice's lines are for operators (<paramref name="withLinkNotices"/>): the partner never
    /// learns that a referral is linked.
    /// </summary>
    public static ReferralStatusBody BodyOf(ReferralState state, bool withLinkNotices)
    {
        var audit = ReferralStateStore.AuditOf(state).Where(line => withLinkNotices || !Links.LinkNotices.IsNoticeLine(line)).ToList();
        return new ReferralStatusBody(state.Reference, state.Status.Wire(), ContractMapping.ToTriageBody(state), state.FailureReason, audit,
            state.Sandbox ? true : null);
    }

    /// <summary>
    /// GET /api/referrals/{reference}/sandbox-deliveries: for a referral sent with a sandbox key, the
    /// documents the forces (or CEOP) would have received, by route. A live referral answers 404.
    /// </summary>
    [Function("GetSandboxDeliveries")]
    [Access(Caller.Partner, RateLimits.PartnerStatus)]
    public static async Task<IResult> RunSandboxAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/referrals/{reference}/sandbox-deliveries")] HttpRequest request, string reference) =>
        await SandboxAsync(reference, request.HttpContext.User, request.HttpContext, request.Service<ReferralStateStore>(),
            request.Service<SandboxInboxStore>(), request.HttpContext.RequestAborted).ConfigureAwait(false);

    public static async Task<Results<Ok<SandboxDeliveries>, ProblemHttpResult>> SandboxAsync(
        string reference, ClaimsPrincipal user, HttpContext http, ReferralStateStore store, SandboxInboxStore sandbox, CancellationToken ct)
    {
        try
        {
            if (!References.IsWellFormed(reference) || await store.LoadStateAsync(reference, ct).ConfigureAwait(false) is not { Sandbox: true } state
                || state.PartnerId != PartnerAuthentication.PartnerId(user))
            {
                return Problems.NotFound();
            }

            var delivered = await sandbox.ListAsync(reference, ct).ConfigureAwait(false);
            return TypedResults.Ok(new SandboxDeliveries(reference,
                [.. delivered.Select(d => new SandboxDelivery(d.Route, d.Document.ToObjectFromJson(Serialization.AppJsonContext.Default.ReferralDocument)!))]));
        }
        catch (Exception e) when (IntakeResilience.IsOutage(e))
        {
            return Problems.Unavailable(http, TimeSpan.FromSeconds(30), "Storage cannot be reached just now. Please try again shortly.");
        }
    }
}

/// <summary>What a sandbox referral's routes would have carried to their forces.</summary>
public sealed record SandboxDeliveries(string Reference, IReadOnlyList<SandboxDelivery> Deliveries);

public sealed record SandboxDelivery(string Route, ReferralDocument Document);
