using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>
/// The public statistics: the scheduled job's time for N stored referrals (each as the app stores it: report,
/// state with its statistics metadata, audit), and the page's time to render from the stored aggregate.
/// </summary>
public static partial class StatisticsBench
{
    public static async Task<int> RunAsync(Options options)
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var names = Bench.Names("stats");
            var container = new BlobContainerClient(azurite.ConnectionString, names);
            await container.CreateIfNotExistsAsync();
            var seeding = Stopwatch.StartNew();
            var facts = await SeedAsync(container, options.Referrals);
            seeding.Stop();

            // The counting alone, in process, on the same facts: what the job spends beyond listing.
            var compute = Stopwatch.StartNew();
            var aggregate = StatisticsAggregate.Compute(facts, StatisticsAggregate.Empty, "2000-01", DateTimeOffset.UtcNow);
            compute.Stop();

            // The worker in this process under the local host (TestApp), so the StatisticsRefresh timer's work can be
            // run and timed on demand; the pages over real HTTP through the host.
            using var app = new TestApp(azurite, Bench.AppSettings(azurite, names, queueTriggers: false).ToDictionary(s => s.Key, s => (string?)s.Value));
            using var http = Bench.Client(app.Client.BaseAddress!);
            var jobSeconds = new List<double>();
            for (var run = 0; run < options.Runs; run++)
            {
                var timer = Stopwatch.StartNew();
                var counted = await app.RefreshStatisticsByHandAsync();
                timer.Stop();
                if (counted.Referrals != options.Referrals)
                {
                    Console.Error.WriteLine($"The job counted {counted.Referrals} referrals, not {options.Referrals}");
                    return 1;
                }

                jobSeconds.Add(timer.Elapsed.TotalSeconds);
            }

            var page = await Bench.MeasureAsync(options.Requests, 1, async _ => (await http.GetAsync("/statistics")).IsSuccessStatusCode);
            var csv = await Bench.MeasureAsync(options.Requests, 1, async _ => (await http.GetAsync("/statistics.csv")).IsSuccessStatusCode);
            var render = Stopwatch.StartNew();
            for (var i = 0; i < options.Requests; i++)
            {
                _ = StatisticsPages.Render(ReferralIntake.Functions.Localisation.Catalogue.English, aggregate, ForceDirectory.Default);
            }

            render.Stop();
            jobSeconds.Sort();
            Console.WriteLine("### Public statistics: the job and the page\n");
            Console.WriteLine(FormattableString.Invariant($"{options.Referrals:N0} stored referrals ({options.Referrals * 3:N0} blobs: report, state with its statistics metadata, audit) over {aggregate.Months.Count} months and {aggregate.ByDestination.Select(c => c.Destination).Distinct().Count()} destinations; seeding them took {seeding.Elapsed.TotalSeconds:0} s.\n"));
            Console.WriteLine("| what | figure |");
            Console.WriteLine("| --- | ---: |");
            Console.WriteLine(FormattableString.Invariant($"| job (the StatisticsRefresh timer's work), median of {options.Runs} | {jobSeconds[jobSeconds.Count / 2]:0.00} s |"));
            Console.WriteLine(FormattableString.Invariant($"| job per 100,000 referrals | {jobSeconds[jobSeconds.Count / 2] * 100_000 / options.Referrals:0.00} s |"));
            Console.WriteLine(FormattableString.Invariant($"| of which counting (in process, no I/O) | {compute.Elapsed.TotalMilliseconds:0} ms |"));
            Console.WriteLine(FormattableString.Invariant($"| GET /statistics, median / p99 of {options.Requests} | {page.Percentile(50):0.0} / {page.Percentile(99):0.0} ms |"));
            Console.WriteLine(FormattableString.Invariant($"| GET /statistics.csv, median / p99 | {csv.Percentile(50):0.0} / {csv.Percentile(99):0.0} ms |"));
            Console.WriteLine(FormattableString.Invariant($"| rendering the page alone (in process) | {render.Elapsed.TotalMilliseconds * 1000 / options.Requests:0} µs |\n"));
            return 0;
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    /// <summary>N referrals as storage holds them after delivery, spread over 12 months, every force, CEOP and advice-only.</summary>
    private static async Task<List<ReferralFacts>> SeedAsync(BlobContainerClient container, int count)
    {
        var random = new Random(20261123);
        var destinations = ForceDirectory.Default.Forces.Select(f => f.Id).Concat([ReferralFacts.Ceop, ReferralFacts.AdviceOnly]).ToArray();
        var facts = Enumerable.Range(0, count).Select(_ => new ReferralFacts(
            ReferralFacts.MonthOf(DateTimeOffset.UtcNow.AddDays(-random.Next(365))),
            destinations[random.Next(destinations.Length)],
            (Priority)random.Next(1, 5),
            random.Next(20) == 0 ? null : 5 + (random.NextDouble() * 600))).ToList();
        var body = BinaryData.FromString("{}");
        await Parallel.ForEachAsync(facts, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (fact, ct) =>
        {
            var reference = References.New();
            await container.GetBlobClient($"{reference}/report.json").UploadAsync(body, ct);
            await container.GetBlobClient($"{reference}/state.json").UploadAsync(body,
                new BlobUploadOptions { Metadata = new Dictionary<string, string> { [ReferralFacts.MetadataName] = fact.ToMetadata() } }, ct);
            await container.GetBlobClient($"{reference}/audit.jsonl").UploadAsync(body, ct);
        });
        return facts;
    }

}
