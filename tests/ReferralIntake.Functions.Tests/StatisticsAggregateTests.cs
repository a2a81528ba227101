using System.Collections.Immutable;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Localisation;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Tests;

/// <summary>The public statistics without storage: the small-number rule, the aggregate, and what a referral contributes.</summary>
public sealed class StatisticsAggregateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, CellKind.Shown)]
    [InlineData(1, CellKind.FewerThanFive)]
    [InlineData(4, CellKind.FewerThanFive)]
    [InlineData(5, CellKind.Shown)]
    [InlineData(391, CellKind.Shown)]
    public void Counts_from_1_to_4_are_never_published(int count, CellKind kind)
    {
        Assert.Equal(kind, Suppression.One(count).Kind);
    }

    [Fact]
    public void A_lone_suppressed_count_takes_the_next_smallest_with_it_so_the_total_does_not_give_it_away()
    {
        var cells = Suppression.Group([40, 6, 3, 9]);

        Assert.Equal([CellKind.Shown, CellKind.Hidden, CellKind.FewerThanFive, CellKind.Shown], cells.Select(c => c.Kind));
    }

    [Fact]
    public void Two_suppressed_counts_already_protect_each_other_and_zeros_are_published()
    {
        Assert.Equal([CellKind.Shown, CellKind.FewerThanFive, CellKind.FewerThanFive, CellKind.Shown],
            Suppression.Group([40, 2, 3, 0]).Select(c => c.Kind));
    }

    [Fact]
    public void A_group_whose_total_is_itself_suppressed_needs_nothing_more_hidden()
    {
        Assert.Equal([CellKind.FewerThanFive, CellKind.Shown], Suppression.Group([3, 0]).Select(c => c.Kind));
    }

    [Fact]
    public void The_aggregate_counts_by_month_destination_and_priority_with_the_median_time_to_the_force()
    {
        ReferralFacts[] facts =
        [
            new("2026-11", "west-mercia", Priority.P1, 60),
            new("2026-11", "west-mercia", Priority.P2, 120),
            new("2026-11", "staffordshire", Priority.P2, 600),
            new("2026-11", "ceop", Priority.P3, null), // not yet with anyone: not in the median
            new("2026-10", "none", Priority.P4, null),
        ];

        var aggregate = StatisticsAggregate.Compute(facts, StatisticsAggregate.Empty, "2026-10", Now);

        Assert.Equal(["2026-10", "2026-11"], aggregate.Months.Select(m => m.Month));
        Assert.Equal(new MonthFigures("2026-11", 4, 1, 2, 1, 0, 3, 120), aggregate.Months[1]);
        Assert.Equal(new MonthFigures("2026-10", 1, 0, 0, 0, 1, 0, null), aggregate.Months[0]);
        Assert.Equal([("2026-10", "none", 1), ("2026-11", "ceop", 1), ("2026-11", "staffordshire", 1), ("2026-11", "west-mercia", 2)],
            aggregate.ByDestination.Select(c => (c.Month, c.Destination, c.Referrals)));
    }

    [Fact]
    public void A_month_before_the_recount_window_keeps_what_was_counted_when_retention_has_since_deleted_its_referrals()
    {
        var before = StatisticsAggregate.Compute(
            [.. Enumerable.Repeat(new ReferralFacts("2026-08", "west-mercia", Priority.P2, 30), 12), new("2026-11", "west-mercia", Priority.P2, 30)],
            StatisticsAggregate.Empty, "2026-08", Now.AddMonths(-2));

        // Three months on: August's referrals are gone from storage, November's grew.
        var after = StatisticsAggregate.Compute(
            [.. Enumerable.Repeat(new ReferralFacts("2026-11", "west-mercia", Priority.P2, 30), 7)], before, "2026-10", Now);

        Assert.Equal(12, after.Months.Single(m => m.Month == "2026-08").Referrals);
        Assert.Equal(12, after.ByDestination.Single(c => c.Month == "2026-08").Referrals);
        Assert.Equal(7, after.Months.Single(m => m.Month == "2026-11").Referrals);
    }

    [Theory]
    [InlineData(new double[] { 5 }, 5)]
    [InlineData(new double[] { 9, 1, 5 }, 5)]
    [InlineData(new double[] { 1, 2, 3, 10 }, 2.5)]
    public void The_median_is_the_middle_value(double[] values, double median)
    {
        Assert.Equal(median, StatisticsAggregate.Median(values));
    }

    [Fact]
    public void A_referrals_facts_survive_the_trip_through_blob_metadata_and_nothing_else_rides_along()
    {
        var facts = new ReferralFacts("2026-11", "west-mercia", Priority.P1, 37.25);

        var text = facts.ToMetadata();

        Assert.Equal("v1|2026-11|west-mercia|P1|37.25", text);
        Assert.Equal(facts, ReferralFacts.FromMetadata(text));
        Assert.Null(ReferralFacts.FromMetadata("v2|2026-11|x|P1|"));
        Assert.Null(ReferralFacts.FromMetadata("garbage"));
    }

    [Fact]
    public void A_sandbox_referral_and_one_not_yet_triaged_are_not_counted()
    {
        var decision = new TriageDecision(Priority.P2, ["threats"], [new Route(RouteKind.Ceop, "no postcode")], Now);
        var state = new ReferralState("RI-AAAA-BBBB-CCCC", "partner-a", ReferralStatus.Triaged, Now, Now, decision);

        Assert.NotNull(ReferralFacts.Of(state));
        Assert.Equal("ceop", ReferralFacts.Of(state)!.Destination);
        Assert.Null(ReferralFacts.Of(state with { Sandbox = true }));
        Assert.Null(ReferralFacts.Of(state with { Triage = null }));
    }

    [Fact]
    public void The_month_is_the_UK_month_so_a_report_just_after_midnight_in_summer_counts_in_the_new_month()
    {
        Assert.Equal("2026-07", ReferralFacts.MonthOf(new DateTimeOffset(2026, 6, 30, 23, 30, 0, TimeSpan.Zero))); // 00:30 BST on 1 July
        Assert.Equal("2026-12", ReferralFacts.MonthOf(new DateTimeOffset(2026, 12, 31, 23, 30, 0, TimeSpan.Zero))); // GMT
    }

    [Fact]
    public void The_page_and_the_CSV_never_publish_a_small_count()
    {
        var forces = ForceDirectory.Default;
        var aggregate = StatisticsAggregate.Compute(
            [.. Enumerable.Repeat(new ReferralFacts("2026-11", "west-mercia", Priority.P2, 30), 7),
             .. Enumerable.Repeat(new ReferralFacts("2026-11", "staffordshire", Priority.P2, 30), 5),
             .. Enumerable.Repeat(new ReferralFacts("2026-11", "ceop", Priority.P1, 30), 2)],
            StatisticsAggregate.Empty, "2026-11", Now);

        var csv = StatisticsPages.Csv(Catalogue.English, aggregate, forces);
        var html = StatisticsPages.Render(Catalogue.Welsh, aggregate, forces);

        Assert.Contains("2026-11,west-mercia,West Mercia Police,7", csv, StringComparison.Ordinal);
        Assert.Contains("2026-11,staffordshire,Staffordshire Police,[c]", csv, StringComparison.Ordinal);
        Assert.Contains("2026-11,ceop,CEOP (National Crime Agency),<5", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",2\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("llai na 5", html, StringComparison.Ordinal);
        Assert.Contains("Tachwedd 2026", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
    }


    [Fact]
    public void Linked_accounts_count_once_per_month_and_region_and_only_with_another_referral_within_twelve_months()
    {
        var start = new DateTimeOffset(2026, 10, 10, 12, 0, 0, TimeSpan.Zero);
        LinkEntryFacts[] entries =
        [
            new("a", "west-midlands", start), new("a", "staffordshire", start.AddDays(2)), new("a", "west-mercia", start.AddDays(3)), // one region, three referrals
            new("a", "avon-and-somerset", start.AddDays(40)),                                    // the same account in another region, a month on
            new("b", "west-midlands", start), new("b", "west-midlands", start.AddDays(400)),      // more than 12 months apart: not linked
            new("c", "west-midlands", start),                                                     // named once
        ];

        var cells = LinkEntryFacts.CountLinked(entries, LinkEntryFacts.RegionOf);

        Assert.Equal(
            [new LinkedAccountsMonth("2026-10", "Regional Organised Crime Unit for the West Midlands Region (ROCUWM)", 1),
             new LinkedAccountsMonth("2026-11", "South West Regional Organised Crime Unit (SWROCU)", 1)],
            cells);
        Assert.Equal("CEOP", LinkEntryFacts.RegionOf("ceop"));
    }

    [Fact]
    public void A_frozen_month_keeps_its_linked_accounts_and_an_open_one_is_counted_again()
    {
        var previous = new StatisticsAggregate(Now.AddDays(-1), [new MonthFigures("2026-08", 9, 0, 9, 0, 0, 9, 60)], [],
            [new LinkedAccountsMonth("2026-08", "Tarian (Southern Wales Regional Organised Crime Unit)", 3)]);
        ReferralFacts[] referrals = [new("2026-11", "west-mercia", Priority.P2, 30)];

        var aggregate = StatisticsAggregate.Compute(referrals, previous, "2026-10", Now, [new LinkedAccountsMonth("2026-11", "R", 2), new LinkedAccountsMonth("2026-08", "R", 1)]);

        Assert.Equal([new LinkedAccountsMonth("2026-08", "Tarian (Southern Wales Regional Organised Crime Unit)", 3), new LinkedAccountsMonth("2026-11", "R", 2)],
            aggregate.LinkedAccounts);
        var page = StatisticsPages.Render(Catalogue.English, aggregate, ForceDirectory.Default);
        Assert.Contains("Online accounts named in more than one report", page, StringComparison.Ordinal);
        Assert.Contains("fewer than 5", page, StringComparison.Ordinal); // 2 and 3 are never published
        Assert.DoesNotContain(">2<", page, StringComparison.Ordinal);
        Assert.Contains("Cyfrifon ar-lein a enwyd mewn mwy nag un adroddiad", StatisticsPages.Render(Catalogue.Welsh, aggregate, ForceDirectory.Default), StringComparison.Ordinal);
    }
}
