using System.Globalization;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Statistics;

/// <summary>
/// What the public statistics count of one referral, and nothing more: the UK month it was accepted in,
/// where it went (a force's id, "ceop", or "none" for advice only), its priority, and how long after
/// acceptance its force (or CEOP) had it. Kept as metadata on the referral's state.json, so the job reads
/// every referral's facts from blob listings alone, without opening a blob.
/// </summary>
public sealed record ReferralFacts(string Month, string Destination, Priority Priority, double? SecondsToForce)
{
    public const string MetadataName = "statistics";
    public const string Ceop = "ceop", AdviceOnly = "none";

    /// <summary>The facts of a triaged, real (not sandbox) referral; null for anything else.</summary>
    public static ReferralFacts? Of(ReferralState state)
    {
        if (state.Triage is not { } decision || state.Sandbox)
        {
            return null;
        }

        var police = decision.Routes.FirstOrDefault(r => r.Kind == RouteKind.PoliceForce);
        var ceop = decision.Routes.FirstOrDefault(r => r.Kind == RouteKind.Ceop);
        var route = police ?? ceop;
        var destination = police?.Force?.Id ?? (ceop is null ? AdviceOnly : Ceop);
        var delivered = route is null ? null : state.DeliveryOf(RouteKeys.KeyOf(route))?.DeliveredAt;
        return new ReferralFacts(MonthOf(state.ReceivedAt), destination, decision.Priority,
            delivered is { } at ? Math.Max(0, (at - state.ReceivedAt).TotalSeconds) : null);
    }

    /// <summary>The UK calendar month of an instant: "2026-11".</summary>
    public static string MonthOf(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, WebForm.ReportQuestions.UkTime).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>"v1|2026-11|west-mercia|P2|37.2" (the last part empty while not yet with the force).</summary>
    public string ToMetadata() => string.Join('|', "v1", Month, Destination, Priority.ToString(),
        SecondsToForce is { } s ? s.ToString("0.###", CultureInfo.InvariantCulture) : "");

    public static ReferralFacts? FromMetadata(string? text)
    {
        var parts = text?.Split('|');
        if (parts is not ["v1", var month, var destination, var priority, var seconds]
            || !Enum.TryParse<Priority>(priority, out var p)
            || !DateTime.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return null;
        }

        return new ReferralFacts(month, destination, p,
            double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null);
    }
}

/// <summary>One month's figures: all referrals, the priority mix, and the median time to the force.</summary>
/// <param name="HandedOver">How many of the month's referrals their force (or CEOP) has had: the median's sample.</param>
public sealed record MonthFigures(string Month, int Referrals, int P1, int P2, int P3, int P4, int HandedOver, double? MedianSecondsToForce);

/// <summary>One cell of the force-by-month table.</summary>
public sealed record DestinationMonth(string Month, string Destination, int Referrals);

/// <summary>One cell of the linked-accounts table: how many online accounts named in more than one referral were named, that month, in a referral held in the region.</summary>
public sealed record LinkedAccountsMonth(string Month, string Region, int Accounts);

/// <summary>
/// One link index entry as the job lists it (Links/LinkIndex.cs): the account's keyed hash (it never leaves the job),
/// the force (or "ceop") holding the referral, and when the referral was accepted.
/// </summary>
public sealed record LinkEntryFacts(string Key, string ForceId, DateTimeOffset AcceptedAt)
{
    /// <summary>
    /// Linked accounts per month and region (TRIAGE.md: "Statistics may count linked accounts per month and region"):
    /// an account counts in the month and region of each referral naming it that has another referral naming it within
    /// 12 months either side (the link's window). Counted once per cell, however many referrals.
    /// </summary>
    public static IReadOnlyList<LinkedAccountsMonth> CountLinked(IEnumerable<LinkEntryFacts> entries, Func<string, string> regionOf)
    {
        ArgumentNullException.ThrowIfNull(regionOf);
        var cells = new Dictionary<(string Month, string Region), HashSet<string>>();
        foreach (var account in entries.GroupBy(e => e.Key, StringComparer.Ordinal))
        {
            var sorted = account.OrderBy(e => e.AcceptedAt).ToList();
            for (var i = 0; i < sorted.Count; i++)
            {
                // Sorted by time: another referral within the window either side is a neighbour within it.
                var linked = (i > 0 && sorted[i].AcceptedAt - sorted[i - 1].AcceptedAt <= Links.ReferralLinker.Window)
                    || (i + 1 < sorted.Count && sorted[i + 1].AcceptedAt - sorted[i].AcceptedAt <= Links.ReferralLinker.Window);
                if (linked)
                {
                    var cell = (ReferralFacts.MonthOf(sorted[i].AcceptedAt), regionOf(sorted[i].ForceId));
                    (cells.TryGetValue(cell, out var keys) ? keys : cells[cell] = new HashSet<string>(StringComparer.Ordinal)).Add(account.Key);
                }
            }
        }

        return [.. cells.Select(c => new LinkedAccountsMonth(c.Key.Month, c.Key.Region, c.Value.Count))
            .OrderBy(c => c.Month, StringComparer.Ordinal).ThenBy(c => c.Region, StringComparer.Ordinal)];
    }

    /// <summary>A force's regional organised crime unit (the force itself where it has none); CEOP for "ceop".</summary>
    public static string RegionOf(string forceId) => forceId == ReferralFacts.Ceop ? "CEOP"
        : Domain.Forces.ForceDirectory.Default.Find(forceId) is { } force ? force.RegionalUnit ?? force.Name : forceId;
}

/// <summary>What the statistics page shows, as the job last computed it. Counts only: no reference, nothing from a report.</summary>
/// <param name="LinkedAccounts">Linked accounts per month and region (null in an aggregate saved before they were counted).</param>
public sealed record StatisticsAggregate(DateTimeOffset ComputedAt, IReadOnlyList<MonthFigures> Months, IReadOnlyList<DestinationMonth> ByDestination,
    IReadOnlyList<LinkedAccountsMonth>? LinkedAccounts = null)
{
    public static StatisticsAggregate Empty { get; } = new(DateTimeOffset.MinValue, [], []);

    /// <summary>
    /// The new aggregate: months from <paramref name="openFrom"/> on are counted again from the referrals
    /// still stored; earlier months keep what <paramref name="previous"/> counted when they were complete
    /// (retention has since deleted their referrals, so counting them again would undercount). A month the
    /// previous aggregate never saw is counted from what is stored.
    /// </summary>
    public static StatisticsAggregate Compute(IEnumerable<ReferralFacts> referrals, StatisticsAggregate previous, string openFrom, DateTimeOffset now,
        IReadOnlyList<LinkedAccountsMonth>? linked = null)
    {
        var byMonth = referrals.GroupBy(r => r.Month).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        bool Frozen(string month) => string.CompareOrdinal(month, openFrom) < 0 && previous.Months.Any(m => m.Month == month);

        var months = new List<MonthFigures>();
        var cells = new List<DestinationMonth>();
        var linkedCells = new List<LinkedAccountsMonth>();
        foreach (var month in byMonth.Keys.Concat(previous.Months.Select(m => m.Month)).Distinct().Order(StringComparer.Ordinal))
        {
            if (Frozen(month))
            {
                months.Add(previous.Months.First(m => m.Month == month));
                cells.AddRange(previous.ByDestination.Where(c => c.Month == month));
                linkedCells.AddRange((previous.LinkedAccounts ?? []).Where(c => c.Month == month));
                continue;
            }

            var list = byMonth.GetValueOrDefault(month) ?? [];
            if (list.Count == 0)
            {
                continue;
            }

            var times = list.Where(r => r.SecondsToForce is not null).Select(r => r.SecondsToForce!.Value).ToList();
            months.Add(new MonthFigures(month, list.Count,
                list.Count(r => r.Priority == Priority.P1), list.Count(r => r.Priority == Priority.P2),
                list.Count(r => r.Priority == Priority.P3), list.Count(r => r.Priority == Priority.P4),
                times.Count, Median(times)));
            cells.AddRange(list.GroupBy(r => r.Destination, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new DestinationMonth(month, g.Key, g.Count())));
            linkedCells.AddRange((linked ?? []).Where(c => c.Month == month));
        }

        return new StatisticsAggregate(now, months, cells, linkedCells);
    }

    public static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>How a published count is shown.</summary>
public enum CellKind
{
    Shown,

    /// <summary>1 to 4: shown as "fewer than 5", so no one can be picked out.</summary>
    FewerThanFive,

    /// <summary>Big enough to show, but hidden so that a suppressed count beside it cannot be worked out from the total.</summary>
    Hidden,
}

public readonly record struct PublishedCount(int Value, CellKind Kind);

/// <summary>
/// The small-number rule of the public statistics: a count from 1 to 4 is never published ("fewer than 5");
/// 0 is. Where a group of counts has a published total and exactly one of them is suppressed, the next smallest
/// is hidden too, or the suppressed one could be worked out by subtraction.
/// </summary>
public static class Suppression
{
    public const int Threshold = 5;

    public static PublishedCount One(int count) => new(count, count is > 0 and < Threshold ? CellKind.FewerThanFive : CellKind.Shown);

    /// <summary>A group of counts whose total is published (a month's forces; a month's priorities).</summary>
    public static PublishedCount[] Group(IReadOnlyList<int> counts)
    {
        var cells = counts.Select(One).ToArray();
        if (One(counts.Sum()).Kind != CellKind.Shown || cells.Count(c => c.Kind == CellKind.FewerThanFive) != 1)
        {
            return cells;
        }

        var next = Enumerable.Range(0, cells.Length).Where(i => cells[i].Kind == CellKind.Shown && cells[i].Value > 0)
            .OrderBy(i => cells[i].Value).Cast<int?>().FirstOrDefault();
        if (next is { } i)
        {
            cells[i] = cells[i] with { Kind = CellKind.Hidden };
        }

        return cells;
    }
}
