using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.Admin;

/// <summary>
/// The operators' API as isolated-worker functions (what each does is <see cref="AdminApi"/>'s). Operators
/// only; where neither Entra ID nor the local admin key is set up, FunctionAccessMiddleware answers 404, as
/// if the routes did not exist. Not in the public OpenAPI document.
/// </summary>
public static class AdminFunctions
{
    public const int MaxReplayBodyBytes = 64 * 1024;

    [Function("ListPoison")]
    [Access(Caller.Operator)]
    public static async Task<IResult> ListPoisonAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/admin/poison")] HttpRequest request) =>
        await AdminApi.ListPoisonAsync(request.Service<PoisonReplay>(), request.HttpContext.RequestAborted).ConfigureAwait(false);

    [Function("ReplayPoison")]
    [Access(Caller.Operator)]
    public static async Task<IResult> ReplayAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/admin/poison/replay")] HttpRequest request)
    {
        var (replay, problem) = await RequestBody.ReadJsonAsync(request, MaxReplayBodyBytes, Serialization.AppJsonContext.Default.ReplayRequest,
            "{\"references\": [\"RI-…\"]} or {\"all\": true}").ConfigureAwait(false);
        return problem ?? await AdminApi.ReplayAsync(replay ?? new AdminApi.ReplayRequest(null), request.HttpContext.User, request.Service<PoisonReplay>(),
            request.Service<ILoggerFactory>(), request.HttpContext.RequestAborted).ConfigureAwait(false);
    }

    [Function("SweepRetention")]
    [Access(Caller.Operator)]
    public static async Task<IResult> SweepAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/admin/retention/sweep")] HttpRequest request) =>
        await AdminApi.SweepAsync(request.HttpContext.User, request.Service<RetentionSweep.RetentionSweeper>(), request.Service<ILoggerFactory>(),
            request.HttpContext.RequestAborted).ConfigureAwait(false);

    [Function("GetReferralForOperator")]
    [Access(Caller.Operator)]
    public static async Task<IResult> StatusAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/admin/referrals/{reference}")] HttpRequest request, string reference) =>
        await AdminApi.StatusAsync(reference, request.Service<Storage.ReferralStateStore>(), request.HttpContext.RequestAborted).ConfigureAwait(false);

    [Function("ListDestinations")]
    [Access(Caller.Operator)]
    public static async Task<IResult> DestinationsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/admin/destinations")] HttpRequest request) =>
        await AdminApi.DestinationsAsync(request.Service<Delivery.DestinationHealthStore>(), request.HttpContext.RequestAborted).ConfigureAwait(false);

    [Function("EraseReferral")]
    [Access(Caller.Operator)]
    public static async Task<IResult> EraseAsync([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/admin/referrals/{reference}")] HttpRequest request, string reference) =>
        await AdminApi.EraseAsync(reference, request.HttpContext.User, request.Service<ReferralErasure>(), request.HttpContext.RequestAborted).ConfigureAwait(false);
}
