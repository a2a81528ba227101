using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Admin;

/// <summary>
/// The operators' API (<see cref="OperatorAuthentication"/>: Entra ID with the Operator role in Azure,
/// the admin key in local development only; where neither is set up these routes are not mapped): list the
/// poison queues and replay referrals, sweep retention now, erase one referral, read one referral's status, and
/// see which forces are down and what waits for them. Each action is recorded
/// with the operator's name. Not in the public OpenAPI document: it is not for partners or forces.
/// </summary>
public static partial class AdminApi
{
    public sealed record ReplayRequest(IReadOnlyList<string>? References, bool All = false);

    public sealed record ReplayResult(IReadOnlyList<string> Replayed);

    public static async Task<Ok<IReadOnlyList<PoisonedReferral>>> ListPoisonAsync(PoisonReplay replay, CancellationToken ct) =>
        TypedResults.Ok(await replay.ListAsync(ct).ConfigureAwait(false));

    public static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAsync(ReplayRequest request, ClaimsPrincipal user, PoisonReplay replay, ILoggerFactory logs, CancellationToken ct)
    {
        if (!request.All && (request.References is null || request.References.Count == 0))
        {
            return Problems.InvalidRequest("references", "Name the references to replay, or send \"all\": true.");
        }

        var chosen = request.All ? null : request.References!.ToHashSet(StringComparer.Ordinal);
        var replayed = await replay.ReplayAsync(chosen, OperatorAuthentication.OperatorName(user), ct).ConfigureAwait(false);
        LogAction(logs.CreateLogger("Admin"), OperatorAuthentication.OperatorName(user), "replayed", replayed.Count);
        return TypedResults.Ok(new ReplayResult(replayed));
    }

    public static async Task<Ok<RetentionSweep.SweepResult>> SweepAsync(ClaimsPrincipal user, RetentionSweep.RetentionSweeper sweeper, ILoggerFactory logs, CancellationToken ct)
    {
        var result = await sweeper.SweepAsync(ct).ConfigureAwait(false);
        LogAction(logs.CreateLogger("Admin"), OperatorAuthentication.OperatorName(user), "swept retention, deleting", result.Deleted);
        return TypedResults.Ok(result);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EraseAsync(string reference, ClaimsPrincipal user, ReferralErasure erasure, CancellationToken ct) =>
        References.IsWellFormed(reference) && await erasure.EraseAsync(reference, OperatorAuthentication.OperatorName(user), ct).ConfigureAwait(false) is not null
            ? TypedResults.NoContent()
            : Problems.NotFound();

    /// <summary>A referral's status as its partner sees it, whichever partner sent it, with its link notices' lines too.</summary>
    public static async Task<Results<Ok<ReferralStatusBody>, ProblemHttpResult>> StatusAsync(string reference, ReferralStateStore store, CancellationToken ct) =>
        References.IsWellFormed(reference) && await store.LoadStateAsync(reference, ct).ConfigureAwait(false) is { } state
            ? TypedResults.Ok(GetReferralStatus.GetReferralStatusFunction.BodyOf(state, withLinkNotices: true))
            : Problems.NotFound();

    /// <summary>The forces (and CEOP) the hand-off has seen fail, the ones not up first, with their waiting routes by priority.</summary>
    public static async Task<Ok<IReadOnlyList<DestinationOverview>>> DestinationsAsync(DestinationHealthStore health, CancellationToken ct) =>
        TypedResults.Ok(await health.OverviewAsync(ct).ConfigureAwait(false));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operator {Operator} {Action} {Count} referrals")]
    private static partial void LogAction(ILogger logger, string @operator, string action, int count);
}
