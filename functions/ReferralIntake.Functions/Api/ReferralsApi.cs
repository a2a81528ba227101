using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.GetReferralStatus;
using ReferralIntake.Functions.Health;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.SubmitReferral;

namespace ReferralIntake.Functions.Api;

/// <summary>
/// The partner and force API, version 1 (../../../shared/API.md), as a route map: every route at a glance,
/// with the types, statuses and rate limits the OpenAPI generator reads. It is the contract in code:
/// tests generate the document from it (ContractFromCode) and prove it equal to OpenApi/openapi.v1.json,
/// which the worker serves; the worker's HTTP functions call the same handlers.
/// </summary>
public static class ReferralsApi
{
    public static IEndpointRouteBuilder MapReferralsApiV1(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        var partners = api.MapGroup("/referrals").WithTags("Referrals").RequireAuthorization(PartnerAuthentication.Policy); // X-Api-Key, or 401

        partners.MapPost("", SubmitReferralFunction.HandleAsync)
            .RequireRateLimiting(RateLimits.PartnerSubmit)
            .WithName("SubmitReferral")
            .WithSummary("Submit a concern report")
            .Accepts<ReferralRequest>("application/json")
            .Produces<AcceptedReferral>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        partners.MapGet("/{reference}", GetReferralStatusFunction.HandleAsync)
            .RequireRateLimiting(RateLimits.PartnerStatus)
            .WithName("GetReferralStatus")
            .WithSummary("Read a referral's status and triage decision")
            .KeyedProblems();

        partners.MapGet("/{reference}/sandbox-deliveries", GetReferralStatusFunction.SandboxAsync)
            .RequireRateLimiting(RateLimits.PartnerStatus)
            .WithName("GetSandboxDeliveries")
            .WithSummary("Sandbox keys only: the documents the forces would have received for this referral")
            .KeyedProblems();

        // The force API (API.md, "Force hand-off"): each force and CEOP with its own key.
        var forces = api.MapGroup("/forces/{forceId}/referrals").WithTags("Forces").RequireAuthorization(ForceAuthentication.Policy)
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.Response.Headers.CacheControl = "no-store"; // referrals about children: never kept by a cache
                return await next(context).ConfigureAwait(false);
            });
        forces.MapGet("", ForceReferrals.ForceReferralsFunction.ListAsync)
            .WithName("ListForceReferrals")
            .WithSummary("What awaits the force: P1 first, oldest first (state=pending: not fetched yet; state=delivered: awaiting acknowledgement), and its link notices not yet fetched")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .KeyedProblems()
            .RequireRateLimiting(RateLimits.PartnerStatus);
        forces.MapGet("/{reference}", ForceReferrals.ForceReferralsFunction.FetchAsync)
            .WithName("FetchForceReferral")
            .WithSummary("The signed referral document the webhook carries; for a force that pulls, the first fetch is the delivery")
            .Produces<ReferralDocument>(StatusCodes.Status200OK, "application/json")
            .KeyedProblems()
            .RequireRateLimiting(RateLimits.PartnerStatus);
        forces.MapGet("/{reference}/link-notices/{linkedReference}", ForceReferrals.ForceReferralsFunction.FetchNoticeAsync)
            .WithName("FetchForceLinkNotice")
            .WithSummary("A link notice (a later referral named an account this referral names), signed as a referral is; for a force that pulls, the first fetch is the delivery")
            .Produces<Links.LinkNoticeDocument>(StatusCodes.Status200OK, "application/json")
            .KeyedProblems()
            .RequireRateLimiting(RateLimits.PartnerStatus);
        forces.MapPost("/{reference}/acknowledgement", AcknowledgeReferral.AcknowledgeReferralFunction.HandleAsync)
            .WithName("AcknowledgeReferral")
            .WithSummary("A person at the force confirms a referral, or says it is not the force's area")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .KeyedProblems()
            .RequireRateLimiting(RateLimits.PartnerStatus);

        api.MapGet("/health", HealthFunction.HandleAsync)
            .WithName("Health")
            .WithTags("Health")
            .WithSummary("Ready when queue and blob storage can be reached");

        return app;
    }

    /// <summary>What every route behind a key can answer besides success: no valid key, not this caller's referral, over the rate.</summary>
    private static RouteHandlerBuilder KeyedProblems(this RouteHandlerBuilder route) => route
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
