using System.Globalization;
using System.Text;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Functions.Localisation;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.Statistics;

/// <summary>
/// GET /statistics and GET /statistics.csv: referrals by force and month, the priority mix and the median
/// time from acceptance to the force having it, from the aggregate the job saved (read at most once a minute
/// per instance). Small numbers are suppressed (<see cref="Suppression"/>). A server-drawn SVG chart with a text
/// description, and tables: readable without JavaScript and by a screen reader.
/// </summary>
public static class StatisticsPages
{
    public const string PagePath = "/statistics", CsvPath = "/statistics.csv";

    /// <summary>The page's force-by-month table shows this many months; the CSV has every month.</summary>
    public const int TableMonths = 6;

    public const int ChartMonths = 12;

    public static async Task<IResult> PageAsync(HttpContext http, StatisticsCache cache, ForceDirectory forces, CancellationToken ct)
    {
        var t = Catalogue.ForPage(http);
        return Page(http, t, t["stats.title"], Render(t, await cache.GetAsync(ct).ConfigureAwait(false), forces));
    }

    public static async Task<IResult> CsvAsync(HttpContext http, StatisticsCache cache, ForceDirectory forces, CancellationToken ct)
    {
        var t = Catalogue.ForPage(http);
        http.Response.Headers.ContentDisposition = "attachment; filename=\"referrals-by-force-and-month.csv\"";
        return Results.Text(Csv(t, await cache.GetAsync(ct).ConfigureAwait(false), forces), "text/csv; charset=utf-8", Encoding.UTF8);
    }

    public static string Render(Catalogue t, StatisticsAggregate aggregate, ForceDirectory forces)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-full">
            <h1 class="govuk-heading-l">{E(t["stats.title"])}</h1>
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">{t.Html("stats.intro.html")}</div></div>
            """);
        if (aggregate.Months.Count == 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p class="govuk-body" id="no-figures">{E(t["stats.none"])}</p></div></div>""");
            return html.ToString();
        }

        var updated = aggregate.ComputedAt.ToUniversalTime();
        html.Append(CultureInfo.InvariantCulture, $"""<p class="govuk-body-s">{E(t.Format("stats.updated", t.Date(updated.DateTime), updated.ToString("HH:mm", CultureInfo.InvariantCulture)))}</p>""");

        var recent = aggregate.Months.TakeLast(ChartMonths).ToList();
        html.Append(Chart(t, recent));
        html.Append(MonthTable(t, [.. Enumerable.Reverse(recent)]));
        html.Append(ForceTable(t, aggregate, forces));
        html.Append(LinkedTable(t, aggregate));
        html.Append(CultureInfo.InvariantCulture, $"""
            <h2 class="govuk-heading-m">{E(t["stats.download.title"])}</h2>
            <p class="govuk-body"><a class="govuk-link" href="{E(t.Link(CsvPath))}" download>{E(t["stats.download.link"])}</a></p>
            <h2 class="govuk-heading-m">{E(t["stats.method.title"])}</h2>
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">{t.Html("stats.method.html")}</div></div>
            </div></div>
            """);
        return html.ToString();
    }

    /// <summary>
    /// A table's heading and opening tags (closed by <c>&lt;/table&gt;&lt;/div&gt;</c>): the table scrolls sideways on
    /// a phone inside a focusable region, so a keyboard can scroll it too, and its heading sits outside the
    /// scroller so it is never cut off.
    /// </summary>
    private static string ScrollingTable(string id, string title) => $"""
        <h2 class="govuk-heading-m" id="{id}-title">{E(title)}</h2>
        <div class="app-table-scroll" role="region" aria-labelledby="{id}-title" tabindex="0"><table class="govuk-table" id="{id}">
          <caption class="govuk-visually-hidden">{E(title)}</caption>
        """;

    /// <summary>A count as published: the number, "fewer than 5", or hidden.</summary>
    private static string Cell(Catalogue t, PublishedCount c) => c.Kind switch
    {
        CellKind.FewerThanFive => t["stats.fewer-than-5"],
        CellKind.Hidden => t["stats.hidden"],
        _ => c.Value.ToString("N0", CultureInfo.InvariantCulture),
    };

    private static string MonthName(Catalogue t, string month) =>
        DateTime.ParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture) is var d ? $"{t.Month(d.Month)} {d.Year}" : month;

    private static string Duration(Catalogue t, double seconds) => seconds < 90 * 60
        ? t.Format("stats.duration.minutes", Math.Max(1, Math.Round(seconds / 60)).ToString("0", CultureInfo.InvariantCulture))
        : t.Format("stats.duration.hours", (seconds / 3600).ToString("0.#", CultureInfo.InvariantCulture));

    /// <summary>Referrals per month as bars, drawn on the server. A suppressed month is a short hatched bar labelled as such.</summary>
    private static string Chart(Catalogue t, IReadOnlyList<MonthFigures> months)
    {
        const int width = 640, height = 260, left = 48, bottom = 40, top = 16;
        var published = months.Select(m => Suppression.One(m.Referrals)).ToList();
        var max = Math.Max(Suppression.Threshold, published.Max(p => p.Kind == CellKind.Shown ? p.Value : 0));
        var slot = (width - left) / (double)Math.Max(6, months.Count); // a month or two still look like bars, not a wall
        var bars = new StringBuilder();
        var description = new List<string>();
        for (var i = 0; i < months.Count; i++)
        {
            var p = published[i];
            var value = p.Kind == CellKind.Shown ? p.Value : Suppression.Threshold / 2.0;
            var barHeight = (height - top - bottom) * value / max;
            var x = left + (i * slot) + (slot * 0.15);
            var y = height - bottom - barHeight;
            var label = Cell(t, p);
            var d = DateTime.ParseExact(months[i].Month, "yyyy-MM", CultureInfo.InvariantCulture);
            description.Add($"{MonthName(t, months[i].Month)}: {label}");
            bars.Append(CultureInfo.InvariantCulture, $"""
                <rect x="{x:0.#}" y="{y:0.#}" width="{slot * 0.7:0.#}" height="{barHeight:0.#}" fill="{(p.Kind == CellKind.Shown ? "#1d70b8" : "url(#suppressed)")}" stroke="#1d70b8"/>
                <text x="{x + (slot * 0.35):0.#}" y="{y - 4:0.#}" text-anchor="middle" font-size="11" fill="#0b0c0c">{E(p.Kind == CellKind.Shown ? label : "<5")}</text>
                <text x="{x + (slot * 0.35):0.#}" y="{height - bottom + 16:0.#}" text-anchor="middle" font-size="11" fill="#0b0c0c">{E(t[$"month.short.{d.Month}"])}</text>
                <text x="{x + (slot * 0.35):0.#}" y="{height - bottom + 30:0.#}" text-anchor="middle" font-size="10" fill="#505a5f">{d.Year}</text>
                """);
        }

        return $"""
            <h2 class="govuk-heading-m" id="chart-heading">{E(t["stats.chart.title"])}</h2>
            <figure class="app-chart" aria-labelledby="chart-heading">
              <svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="chart-title chart-desc" focusable="false" font-family="arial, sans-serif" xmlns="http://www.w3.org/2000/svg">
                <title id="chart-title">{E(t["stats.chart.title"])}</title>
                <desc id="chart-desc">{E(string.Join("; ", description))}.</desc>
                <defs><pattern id="suppressed" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1d70b8" stroke-width="2"/></pattern></defs>
                <line x1="{left - 4}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#0b0c0c"/>
                <text x="{left - 8}" y="{top + 4}" text-anchor="end" font-size="11" fill="#0b0c0c">{max.ToString("N0", CultureInfo.InvariantCulture)}</text>
                <text x="{left - 8}" y="{height - bottom}" text-anchor="end" font-size="11" fill="#0b0c0c">0</text>
                {bars}
              </svg>
              <figcaption class="govuk-body-s">{E(t["stats.chart.caption"])}</figcaption>
            </figure>
            """;
    }

    private static string MonthTable(Catalogue t, IReadOnlyList<MonthFigures> months)
    {
        var rows = new StringBuilder();
        foreach (var m in months)
        {
            var total = Suppression.One(m.Referrals);
            var mix = Suppression.Group([m.P1, m.P2, m.P3, m.P4]);
            var median = m.MedianSecondsToForce is { } s && m.HandedOver >= Suppression.Threshold ? Duration(t, s) : t["stats.median.too-few"];
            rows.Append(CultureInfo.InvariantCulture, $"""
                <tr class="govuk-table__row"><th scope="row" class="govuk-table__header app-nowrap">{E(MonthName(t, m.Month))}</th>
                <td class="govuk-table__cell govuk-table__cell--numeric">{E(Cell(t, total))}</td>
                {string.Concat(mix.Select(c => $"""<td class="govuk-table__cell govuk-table__cell--numeric">{E(Cell(t, c))}</td>"""))}
                <td class="govuk-table__cell govuk-table__cell--numeric">{E(median)}</td></tr>
                """);
        }

        return $"""
            {ScrollingTable("by-month", t["stats.months.title"])}
              <thead class="govuk-table__head"><tr class="govuk-table__row">
                <th scope="col" class="govuk-table__header">{E(t["stats.month"])}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{E(t["stats.referrals"])}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{E(t["stats.p1"])}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{E(t["stats.p2"])}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{E(t["stats.p3"])}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{E(t["stats.p4"])}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{E(t["stats.median"])}</th>
              </tr></thead>
              <tbody class="govuk-table__body">{rows}</tbody>
            </table></div>
            """;
    }

    /// <summary>Each month's counts by destination, suppressed as a group (the month's total is published).</summary>
    private static Dictionary<(string Month, string Destination), PublishedCount> PublishedByDestination(StatisticsAggregate aggregate)
    {
        var published = new Dictionary<(string, string), PublishedCount>();
        foreach (var month in aggregate.ByDestination.GroupBy(c => c.Month, StringComparer.Ordinal))
        {
            var cells = month.ToList();
            var counts = Suppression.Group([.. cells.Select(c => c.Referrals)]);
            for (var i = 0; i < cells.Count; i++)
            {
                published[(month.Key, cells[i].Destination)] = counts[i];
            }
        }

        return published;
    }

    private static string DestinationName(Catalogue t, string destination, ForceDirectory forces) => destination switch
    {
        ReferralFacts.Ceop => t["stats.destination.ceop"],
        ReferralFacts.AdviceOnly => t["stats.destination.none"],
        _ => t.Optional($"force.{destination}") ?? forces.Find(destination)?.Name ?? destination,
    };

    private static string ForceTable(Catalogue t, StatisticsAggregate aggregate, ForceDirectory forces)
    {
        var months = aggregate.Months.TakeLast(TableMonths).Select(m => m.Month).Reverse().ToList();
        var published = PublishedByDestination(aggregate);
        var destinations = aggregate.ByDestination.Where(c => months.Contains(c.Month)).Select(c => c.Destination).Distinct()
            .OrderBy(d => d is ReferralFacts.Ceop or ReferralFacts.AdviceOnly ? 1 : 0).ThenBy(d => DestinationName(t, d, forces), StringComparer.Ordinal).ToList();
        return RowsByMonthTable(t, "by-force", t["stats.forces.title"], t["stats.destination"], months, destinations,
            destination => DestinationName(t, destination, forces), (destination, month) => published.GetValueOrDefault((month, destination), new PublishedCount(0, CellKind.Shown)));
    }

    /// <summary>A table with a row per <paramref name="keys"/> and a column per month (newest first), each cell a published count.</summary>
    private static string RowsByMonthTable(Catalogue t, string id, string title, string rowHeader, IReadOnlyList<string> months, IEnumerable<string> keys,
        Func<string, string> rowName, Func<string, string, PublishedCount> cell)
    {
        var rows = new StringBuilder();
        foreach (var key in keys)
        {
            rows.Append(CultureInfo.InvariantCulture, $"""<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{E(rowName(key))}</th>""");
            foreach (var month in months)
            {
                rows.Append(CultureInfo.InvariantCulture, $"""<td class="govuk-table__cell govuk-table__cell--numeric">{E(Cell(t, cell(key, month)))}</td>""");
            }

            rows.Append("</tr>");
        }

        return $"""
            {ScrollingTable(id, title)}
              <thead class="govuk-table__head"><tr class="govuk-table__row">
                <th scope="col" class="govuk-table__header">{E(rowHeader)}</th>
                {string.Concat(months.Select(m => $"""<th scope="col" class="govuk-table__header govuk-table__header--numeric app-nowrap">{E(MonthName(t, m))}</th>"""))}
              </tr></thead>
              <tbody class="govuk-table__body">{rows}</tbody>
            </table></div>
            """;
    }

    /// <summary>
    /// Online accounts named in more than one report, by regional unit and month (TRIAGE.md, "Linked reports"). Each cell
    /// is suppressed on its own ("fewer than 5"): no total is published, so none can be worked out by subtraction.
    /// </summary>
    private static string LinkedTable(Catalogue t, StatisticsAggregate aggregate)
    {
        var months = aggregate.Months.TakeLast(TableMonths).Select(m => m.Month).Reverse().ToList();
        var cells = (aggregate.LinkedAccounts ?? []).Where(c => months.Contains(c.Month)).ToList();
        if (cells.Count == 0)
        {
            return $"""<h2 class="govuk-heading-m" id="linked-title">{E(t["stats.linked.title"])}</h2><p class="govuk-body" id="linked-none">{E(t["stats.linked.none"])}</p>""";
        }

        return RowsByMonthTable(t, "linked", t["stats.linked.title"], t["stats.linked.region"], months, cells.Select(c => c.Region).Distinct().Order(StringComparer.Ordinal),
                region => region, (region, month) => Suppression.One(cells.FirstOrDefault(c => c.Month == month && c.Region == region)?.Accounts ?? 0))
            + $"""<p class="govuk-body-s">{E(t["stats.linked.explained"])}</p>""";
    }

    /// <summary>The force-by-month table, every month, suppressed the same way: "&lt;5" for fewer than 5, "[c]" for hidden.</summary>
    public static string Csv(Catalogue t, StatisticsAggregate aggregate, ForceDirectory forces)
    {
        var published = PublishedByDestination(aggregate);
        var csv = new StringBuilder();
        csv.Append(CultureInfo.InvariantCulture, $"{t["stats.csv.month"]},{t["stats.csv.destination-id"]},{t["stats.csv.destination"]},{t["stats.csv.referrals"]}\r\n");
        foreach (var cell in aggregate.ByDestination.OrderBy(c => c.Month, StringComparer.Ordinal).ThenBy(c => c.Destination, StringComparer.Ordinal))
        {
            var p = published[(cell.Month, cell.Destination)];
            var value = p.Kind switch { CellKind.FewerThanFive => "<5", CellKind.Hidden => "[c]", _ => p.Value.ToString(CultureInfo.InvariantCulture) };
            csv.Append(CultureInfo.InvariantCulture, $"{cell.Month},{cell.Destination},{Quote(DestinationName(t, cell.Destination, forces))},{value}\r\n");
        }

        return csv.ToString();
    }

    private static string Quote(string text) => text.IndexOfAny([',', '"', '\n']) < 0 ? text : $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}

/// <summary>The aggregate, read from storage at most once a minute per instance: the page is cheap however often it is asked for.</summary>
public sealed class StatisticsCache(StatisticsJob job, TimeProvider clock)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromMinutes(1);
    private (StatisticsAggregate Aggregate, DateTimeOffset ReadAt)? _last;

    public async Task<StatisticsAggregate> GetAsync(CancellationToken ct)
    {
        if (_last is { } last && clock.GetUtcNow() - last.ReadAt < Fresh)
        {
            return last.Aggregate;
        }

        var aggregate = await job.ReadAsync(ct).ConfigureAwait(false);
        _last = (aggregate, clock.GetUtcNow());
        return aggregate;
    }

    /// <summary>Forget the cached copy (after the job runs in this process).</summary>
    public void Clear() => _last = null;
}
