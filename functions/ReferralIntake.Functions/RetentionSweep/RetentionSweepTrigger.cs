using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.RetentionSweep;

/// <summary>The RetentionSweep timer: referrals past their retention, and old feedback, deleted daily.</summary>
public static class RetentionSweepTrigger
{
    public const string Name = "RetentionSweep";

    /// <summary>Daily at 03:15 UTC (the isolated worker's entry point).</summary>
    [Function(Name)]
    public static async Task RunAsync([TimerTrigger("0 15 3 * * *")] TimerInfo timer, FunctionContext context)
    {
        _ = timer;
        await SweepAsync(context.InstanceServices, context.CancellationToken).ConfigureAwait(false);
    }

    public static Task<SweepResult> SweepAsync(IServiceProvider services, CancellationToken ct) =>
        services.GetRequiredService<RetentionSweeper>().SweepAsync(ct);

}
