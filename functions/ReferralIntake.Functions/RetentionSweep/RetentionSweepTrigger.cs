using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.RetentionSweep;

/// <summary>POST /RetentionSweep: how the Functions host invokes the RetentionSweep timer (function.json beside this file).</summary>
public static class RetentionSweepTrigger
{
    public const string Name = "RetentionSweep";

    public static IEndpointRouteBuilder MapRetentionSweepTrigger(this IEndpointRouteBuilder app)
    {
        app.MapPost($"/{Name}", async (RetentionSweeper sweeper, CancellationToken ct) =>
        {
            var result = await sweeper.SweepAsync(ct).ConfigureAwait(false);
            return TypedResults.Ok(new InvocationResult([], [$"Checked {result.Checked}, deleted {result.Deleted}"], null));
        }).HostOnly();
        return app;
    }
}
