using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>
/// Storage requests per referral, from submission to delivered (a webhook force, P2, no failures), one
/// referral at a time: the app's own clients are counted by <see cref="StorageCallCounter"/> (every
/// request the storage SDK sends, retries too), by the span that sent it; the local host's queue triggers
/// by the same policy on its queue clients (a delete per message; its receives are batched and, when
/// idle, mostly empty polls, so they are shown apart). The partner's status polling is left out.
/// Measured twice: a webhook force that takes referrals into its own systems (Destinations__{id}__ForceView=false),
/// then one that also uses the force view (the default), for which each document is also kept.
/// </summary>
public static class StorageCallsBench
{
    public static Task<int> RunAsync(Options options) => Benchmarks.WithAzuriteAsync(async azurite =>
    {
        await MeasureAsync(azurite, options.Referrals, forceView: false);
        await MeasureAsync(azurite, options.Referrals, forceView: true);
        return 0;
    });

    private static async Task MeasureAsync(AzuriteFixture azurite, int referrals, bool forceView)
    {
        await using var force = await ForceServer.StartAsync();
        var hostCounter = new StorageCallCounter();
        var settings = new Dictionary<string, string?>
        {
            ["Destinations:west-mercia:Url"] = force.Url.ToString(),
            ["Destinations:west-mercia:Secret"] = ForceServer.Secret,
            ["Destinations:west-mercia:ForceView"] = forceView ? "true" : "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        using var app = new TestApp(azurite, settings, hostQueueClients: o => o.AddPolicy(hostCounter.For("queue"), HttpPipelinePosition.PerRetry));
        var counter = app.Services.GetRequiredService<StorageCallCounter>();

        async Task DeliverOneAsync()
        {
            var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
            // "delivered" is in the audit once the last write of the hand-off is done.
            await Eventually.ValueAsync(async () => (await app.StatusAsync(accepted.Reference))!, s => s.Audit?.Any(a => a.Event == "delivered") == true,
                TimeSpan.FromMinutes(1), $"{accepted.Reference} delivered");
        }

        await DeliverOneAsync(); // warm-up: containers and queues made, clients connected
        var appBefore = counter.Snapshot();
        var hostBefore = hostCounter.Snapshot();
        for (var i = 0; i < referrals; i++)
        {
            await DeliverOneAsync();
        }

        var appCalls = Minus(counter.Snapshot(), appBefore).Where(c => !c.Key.Step.Contains("GetReferralStatus", StringComparison.Ordinal)).ToList();
        var hostCalls = Minus(hostCounter.Snapshot(), hostBefore);
        double Per(long n) => (double)n / referrals;

        Console.WriteLine($"### Storage requests per referral ({referrals} referrals, one at a time; webhook force{(forceView ? " that also uses the force view" : ", ForceView=false")}, P2, no failures)\n");
        Console.WriteLine("| step | request | per referral |");
        Console.WriteLine("| --- | --- | ---: |");
        foreach (var ((step, call), n) in appCalls.OrderBy(c => c.Key.Step, StringComparer.Ordinal).ThenBy(c => c.Key.Call, StringComparer.Ordinal))
        {
            Console.WriteLine(FormattableString.Invariant($"| {step} | {call} | {Per(n):0.##} |"));
        }

        var deletes = hostCalls.Where(c => c.Key.Call == "queue delete").Sum(c => c.Value);
        var receives = hostCalls.Where(c => c.Key.Call == "queue receive").Sum(c => c.Value);
        Console.WriteLine(FormattableString.Invariant($"| host's queue triggers | queue delete | {Per(deletes):0.##} |"));
        Console.WriteLine(FormattableString.Invariant($"| **the app's and the triggers' deletes** | | **{Per(appCalls.Sum(c => c.Value) + deletes):0.##}** |"));
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"Besides: the triggers' receives, {Per(receives):0.#} per referral here (at least one per message; batched under load, and mostly empty polls when idle)."));
        Console.WriteLine();
    }

    private static Dictionary<(string Step, string Call), long> Minus(IReadOnlyDictionary<(string Step, string Call), long> after, IReadOnlyDictionary<(string Step, string Call), long> before) =>
        after.Select(a => (a.Key, N: a.Value - before.GetValueOrDefault(a.Key))).Where(a => a.N > 0).ToDictionary(a => a.Key, a => a.N);
}
