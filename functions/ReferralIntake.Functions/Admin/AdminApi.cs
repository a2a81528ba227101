using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.Admin;

/// <summary>
/// The operators' API, behind its own key (X-Admin-Key, whose SHA-256 is the setting Admin__KeySha256;
/// without that setting these routes answer 404): list the poison queue and replay referrals.
/// </summary>
public static class AdminApi
{
    public sealed record ReplayRequest(IReadOnlyList<string>? References, bool All = false);

    public sealed record ReplayResult(IReadOnlyList<string> Replayed);

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Admin").AddEndpointFilter(async (context, next) =>
        {
            var expected = context.HttpContext.RequestServices.GetRequiredService<IConfiguration>()["Admin:KeySha256"];
            if (string.IsNullOrEmpty(expected) || expected.Length != 64)
            {
                return TypedResults.NotFound();
            }

            var given = SHA256.HashData(Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers["X-Admin-Key"].ToString()));
            return CryptographicOperations.FixedTimeEquals(given, Convert.FromHexString(expected))
                ? await next(context).ConfigureAwait(false)
                : Problems.Unauthorized();
        });

        admin.MapGet("/poison", async (PoisonReplay replay, CancellationToken ct) =>
            TypedResults.Ok(await replay.ListAsync(ct).ConfigureAwait(false)));

        admin.MapPost("/poison/replay", async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> (ReplayRequest request, PoisonReplay replay, CancellationToken ct) =>
        {
            if (!request.All && (request.References is null || request.References.Count == 0))
            {
                return Problems.InvalidRequest("references", "Name the references to replay, or send \"all\": true.");
            }

            var chosen = request.All ? null : request.References!.ToHashSet(StringComparer.Ordinal);
            return TypedResults.Ok(new ReplayResult(await replay.ReplayAsync(chosen, ct).ConfigureAwait(false)));
        });

        admin.MapPost("/retention/sweep", async (RetentionSweep.RetentionSweeper sweeper, CancellationToken ct) =>
            TypedResults.Ok(await sweeper.SweepAsync(ct).ConfigureAwait(false)));

        // Erasure on request (for example, a data subject's request): everything about one referral goes.
        admin.MapDelete("/referrals/{reference}", async Task<Results<NoContent, ProblemHttpResult>> (string reference, RetentionSweep.RetentionSweeper sweeper, CancellationToken ct) =>
            References.IsWellFormed(reference) && await sweeper.EraseAsync(reference, ct).ConfigureAwait(false)
                ? TypedResults.NoContent()
                : Problems.NotFound());

        return app;
    }
}
