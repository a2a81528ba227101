using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Statistics;

/// <summary>Statistics__…: how far back the job counts months again (the StatisticsRefresh timer runs it every 15 minutes).</summary>
public sealed class StatisticsOptions
{
    /// <summary>
    /// Months overlapping the last this-many days are counted again on each run; earlier ones are frozen.
    /// Must stay well inside the retention period (90 days): a month is frozen before retention deletes its first referral.
    /// </summary>
    public int RecountDays { get; set; } = 45;
}

/// <summary>What one run of the job did.</summary>
public sealed record StatisticsRun(int Referrals, int Months, double Seconds);

/// <summary>
/// The scheduled job behind the public statistics: lists the referrals' state.json blobs with their metadata
/// (one listing call per 5,000 blobs; no blob is opened unless it predates the metadata), counts them
/// (<see cref="StatisticsAggregate.Compute"/>; linked accounts from the link index's entries in the same listing) and saves the aggregate the page reads. The page never scans referrals.
/// </summary>
public sealed partial class StatisticsJob(StorageClients storage, ReferralStateStore states, StatisticsOptions options, TimeProvider clock, ILogger<StatisticsJob> log)
{
    public const string AggregateBlob = "aggregate.json";

    public async Task<StatisticsRun> RefreshAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await storage.EnsureCreatedOnceAsync(ct).ConfigureAwait(false);
        await storage.EnsurePublicContainersOnceAsync(ct).ConfigureAwait(false);
        var facts = new List<ReferralFacts>();
        var links = new List<LinkEntryFacts>();
        await foreach (var blob in storage.ContainerForListing.GetBlobsAsync(new GetBlobsOptions { Traits = BlobTraits.Metadata }, ct).ConfigureAwait(false))
        {
            if (Links.LinkIndex.FactsOf(blob) is { } link)
            {
                links.Add(link); // the same listing: the link index's entries carry what the count needs
                continue;
            }

            if (!blob.Name.EndsWith("/" + ReferralStateStore.StateFileName, StringComparison.Ordinal))
            {
                continue;
            }

            var fact = blob.Metadata.TryGetValue(ReferralFacts.MetadataName, out var text)
                ? ReferralFacts.FromMetadata(text)
                : await FromStateAsync(blob.Name, ct).ConfigureAwait(false); // written before the metadata existed
            if (fact is not null)
            {
                facts.Add(fact);
            }
        }

        var now = clock.GetUtcNow();
        var previous = await ReadAsync(ct).ConfigureAwait(false);
        var aggregate = StatisticsAggregate.Compute(facts, previous, ReferralFacts.MonthOf(now.AddDays(-options.RecountDays)), now,
            LinkEntryFacts.CountLinked(links, LinkEntryFacts.RegionOf));
        await storage.Statistics.UploadJsonAsync(AggregateBlob, aggregate, AppJsonContext.Default.StatisticsAggregate, new BlobRequestConditions(), ct).ConfigureAwait(false);
        var run = new StatisticsRun(facts.Count, aggregate.Months.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
        LogRefreshed(log, run.Referrals, run.Months, run.Seconds);
        return run;
    }

    /// <summary>The last aggregate saved; empty before the first run.</summary>
    public async Task<StatisticsAggregate> ReadAsync(CancellationToken ct)
    {
        try
        {
            return await storage.Statistics.DownloadIfExistsAsync(AggregateBlob, ct).ConfigureAwait(false) is { } blob
                ? blob.Content.ToObjectFromJson(AppJsonContext.Default.StatisticsAggregate) ?? StatisticsAggregate.Empty
                : StatisticsAggregate.Empty;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return StatisticsAggregate.Empty; // the container is made on first use
        }
    }

    private async Task<ReferralFacts?> FromStateAsync(string blobName, CancellationToken ct) =>
        await states.LoadStateAsync(blobName[..blobName.IndexOf('/', StringComparison.Ordinal)], ct).ConfigureAwait(false) is { } state
            ? ReferralFacts.Of(state)
            : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Statistics refreshed: {Referrals} referrals in {Months} months counted in {Seconds:0.00} s")]
    private static partial void LogRefreshed(ILogger logger, int referrals, int months, double seconds);
}

/// <summary>The StatisticsRefresh timer: the job, every 15 minutes.</summary>
public static class StatisticsRefreshTrigger
{
    public const string Name = "StatisticsRefresh";

    /// <summary>Every 15 minutes (the isolated worker's entry point).</summary>
    [Microsoft.Azure.Functions.Worker.Function(Name)]
    public static async Task RunAsync([Microsoft.Azure.Functions.Worker.TimerTrigger("0 */15 * * * *")] Microsoft.Azure.Functions.Worker.TimerInfo timer,
        Microsoft.Azure.Functions.Worker.FunctionContext context)
    {
        _ = timer;
        await RefreshAsync(context.InstanceServices, context.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>What one run does: count, then drop the pages' cached figures.</summary>
    public static async Task<StatisticsRun> RefreshAsync(IServiceProvider services, CancellationToken ct)
    {
        var run = await services.GetRequiredService<StatisticsJob>().RefreshAsync(ct).ConfigureAwait(false);
        services.GetRequiredService<StatisticsCache>().Clear();
        return run;
    }

}
