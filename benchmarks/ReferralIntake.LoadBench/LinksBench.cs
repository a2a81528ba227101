using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Domain.Links;
using ReferralIntake.Functions.Links;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>
/// Linked reports (issue 26): the link index's lookup at a large index (its requests and its time, with
/// the index nearly empty and then holding --accounts other accounts: it must stay one listing of one key's
/// prefix), and triage and delivery with linking on (every report names a Snapchat account, 500 accounts
/// shared among the referrals) against off (the usual report, whose username has no platform).
/// </summary>
public static class LinksBench
{
    private const int Probes = 200;

    public static async Task<int> RunAsync(Options options)
    {
        // Each part in its own Azurite: 100,000 blobs slow every request Azurite serves, which would measure Azurite, not triage.
        await Benchmarks.WithAzuriteAsync(async azurite =>
        {
            await LookupAsync(azurite, options.Accounts);
            return 0;
        });
        return await Benchmarks.WithAzuriteAsync(TriageOnAndOffAsync(options));
    }

    private static Func<AzuriteFixture, Task<int>> TriageOnAndOffAsync(Options options) => async azurite =>
    {
        var off = await Benchmarks.TriageRateAsync(azurite, options.Messages, _ => Bench.ReportBody);
        var on = await Benchmarks.TriageRateAsync(azurite, options.Messages, i => Naming($"bench_user_{i % 500}"));
        Console.WriteLine("### Triage and delivery with linking on and off\n");
        Console.WriteLine("| linking | messages | triaged and delivered /s | worker peak working set |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine(FormattableString.Invariant($"| off (the report names no account) | {options.Messages} | {off.Rate:0} | {off.PeakMiB:0} MiB |"));
        Console.WriteLine(FormattableString.Invariant($"| on (each names one of 500 Snapchat accounts) | {options.Messages} | {on.Rate:0} | {on.PeakMiB:0} MiB |"));
        Console.WriteLine(FormattableString.Invariant($"\nratio on/off: {on.Rate / off.Rate:0.00}\n"));
        return 0;
    };

    private static byte[] Naming(string username) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Bench.ReportBody)
        .Replace("\"suspect\":{\"usernames\":[\"xx_gamer_41\"]", $"\"suspect\":{{\"platform\":\"Snapchat\",\"usernames\":[\"{username}\"]", StringComparison.Ordinal));

    private static async Task LookupAsync(AzuriteFixture azurite, int accounts)
    {
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true", ["Logging:LogLevel:Default"] = "Warning" });
        var index = app.Services.GetRequiredService<LinkIndex>();
        var keys = app.Services.GetRequiredService<LinkKeys>();
        var counter = app.Services.GetRequiredService<StorageCallCounter>();
        await app.Services.GetRequiredService<StorageClients>().EnsureCreatedOnceAsync(CancellationToken.None); // intake makes them; nothing is submitted here
        var at = DateTimeOffset.UtcNow;
        var probeKeys = Enumerable.Range(0, Probes).Select(i => keys.Of(new Account("snapchat", $"probe_{i}"))).ToArray();
        foreach (var key in probeKeys.Take(Probes / 2)) // half the probes find 4 referrals, half find none
        {
            for (var r = 0; r < 4; r++)
            {
                await index.AddAsync(key, new LinkedReferral($"RI-PROB-{r:0000}-{key[..4].ToUpperInvariant()}", "west-mercia", at, "P2"), CancellationToken.None);
            }
        }

        Console.WriteLine($"### The link lookup at {accounts:N0} indexed accounts\n");
        Console.WriteLine("| index | lookups | storage requests per lookup | median ms | p90 ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        await MeasureAsync("400 entries (the probes' own)");

        var seeding = Stopwatch.StartNew();
        await Bench.MeasureAsync(accounts, 64, async i =>
        {
            await index.AddAsync(keys.Of(new Account("snapchat", $"seeded_{i}")),
                new LinkedReferral($"RI-SEED-{i / 10000:0000}-{i % 10000:0000}", "staffordshire", at, "P3"), CancellationToken.None);
            return true;
        });
        await MeasureAsync(FormattableString.Invariant($"{accounts + 400:N0} entries ({accounts:N0} more accounts, seeded in {seeding.Elapsed.TotalSeconds:0} s)"));
        Console.WriteLine();

        async Task MeasureAsync(string label)
        {
            var before = counter.Snapshot().Values.Sum();
            var latencies = new List<double>();
            foreach (var key in probeKeys)
            {
                var one = Stopwatch.StartNew();
                var found = await index.FindAsync(key, CancellationToken.None);
                latencies.Add(one.Elapsed.TotalMilliseconds);
                if (found.Count is not (0 or 4))
                {
                    throw new InvalidOperationException($"A probe found {found.Count} entries.");
                }
            }

            var requests = (double)(counter.Snapshot().Values.Sum() - before) / probeKeys.Length;
            latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {label} | {probeKeys.Length} | {requests:0.##} | {latencies[latencies.Count / 2]:0.0} | {latencies[(int)(latencies.Count * 0.9)]:0.0} |"));
        }
    }
}
