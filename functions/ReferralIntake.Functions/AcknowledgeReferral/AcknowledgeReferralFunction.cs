using System.Security.Claims;
using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.AcknowledgeReferral;

/// <summary>The body of an acknowledgement: <c>accepted</c> or <c>wrong-area</c>, and an optional note for the service's operators.</summary>
public sealed record AcknowledgementRequest(string? Outcome, string? Note);

/// <summary>
/// POST /api/forces/{forceId}/referrals/{reference}/acknowledgement: a person at the force confirms
/// the referral (accepted: its escalation clock stops), or says it is not the force's area (it goes to
/// the next candidate force, else CEOP). With the force's own key; another force's referral answers 404.
/// </summary>
public static class AcknowledgeReferralFunction
{
    public const int MaxNoteLength = 500;

    /// <summary>The body's bound: a 500-character note and an outcome, with room to spare.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    [Function("AcknowledgeReferral")]
    [Access(Caller.Force, RateLimits.PartnerStatus, NoStore = true)]
    public static async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/forces/{forceId}/referrals/{reference}/acknowledgement")] HttpRequest request,
        string forceId, string reference)
    {
        var (acknowledgement, problem) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, Serialization.AppJsonContext.Default.AcknowledgementRequest,
            "{\"outcome\": \"accepted\" | \"wrong-area\", \"note\": \"…\"}").ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        return await HandleAsync(forceId, reference, acknowledgement, request.HttpContext.User,
            request.Service<ReferralDelivery>(), request.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    public static async Task<Results<Ok<RouteBody>, ProblemHttpResult>> HandleAsync(
        string forceId, string reference, AcknowledgementRequest? request, ClaimsPrincipal user,
        ReferralDelivery delivery, CancellationToken ct)
    {
        if (!string.Equals(ForceAuthentication.ForceId(user), forceId, StringComparison.Ordinal) || !References.IsWellFormed(reference))
        {
            return Problems.NotFound(); // one force never learns of another's referrals
        }

        if (request?.Outcome is not ("accepted" or "wrong-area"))
        {
            return Problems.InvalidRequest("outcome", "The outcome is \"accepted\" or \"wrong-area\".");
        }

        if (request.Note is { Length: > MaxNoteLength })
        {
            return Problems.InvalidRequest("note", $"A note is at most {MaxNoteLength} characters.");
        }

        var (result, state) = await delivery.AcknowledgeAsync(reference, forceId, request.Outcome == "accepted", request.Note, ct).ConfigureAwait(false);
        var key = RouteKeys.ForRecipient(forceId);
        return result switch
        {
            AcknowledgeResult.NotFound => Problems.NotFound(),
            AcknowledgeResult.NotDelivered => Problems.Conflict("not-delivered", "Not delivered yet", "This referral has not been delivered to you yet."),
            AcknowledgeResult.Conflict => Problems.Conflict("already-acknowledged", "Already acknowledged", "A different outcome was recorded for this referral already."),
            // The status document lists the state's routes in order: this route's entry is at its index.
            _ => TypedResults.Ok(ContractMapping.ToTriageBody(state!)!.Routes[state!.AllRoutes.ToList().FindIndex(r => RouteKeys.KeyOf(r) == key)]),
        };
    }
}
