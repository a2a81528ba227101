using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using static ReferralIntake.Domain.Reports.Indicator;

namespace ReferralIntake.Domain.Tests;

/// <summary>Every route rule of TRIAGE.md.</summary>
public class TriageRouteTests
{
    private readonly TriagePolicy _policy = new(ForceDirectory.Default, FixedClock.Create());

    private static string[] Kinds(TriageDecision d) => [.. d.Routes.Select(r => r.KindName)];

    [Fact]
    public void A_resolvable_postcode_routes_P1_to_P3_to_its_force_with_its_regional_unit()
    {
        var decision = _policy.Decide(Reports.Make(postcode: "B15 2TT", indicators: [Threats]));

        var police = Assert.Single(decision.Routes, r => r.Kind == RouteKind.PoliceForce);
        Assert.Equal("west-midlands", police.Force!.Id);
        Assert.Equal("Regional Organised Crime Unit for the West Midlands Region (ROCUWM)", police.Force.RegionalUnit);
        Assert.False(police.LocationUncertain);
        Assert.False(police.NotifyRegionalUnit);
        Assert.DoesNotContain(decision.Routes, r => r.Kind == RouteKind.Ceop);
    }

    [Theory]
    [InlineData(null, "No postcode was given")]
    [InlineData("ZZ9 9ZZ", "matches no UK force")]
    [InlineData("GIR 0AA", "matches no UK force")]
    public void No_postcode_or_an_unknown_district_routes_to_CEOP(string? postcode, string reason)
    {
        var decision = _policy.Decide(Reports.Make(postcode: postcode, indicators: [GiftsOffered]));

        Assert.Equal(["ceop"], Kinds(decision));
        Assert.Contains(reason, decision.Routes[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_outward_code_in_a_straddling_district_is_uncertain_and_lists_the_other_forces()
    {
        var decision = _policy.Decide(Reports.Make(postcode: "B78", indicators: [Threats]));

        var police = Assert.Single(decision.Routes, r => r.Kind == RouteKind.PoliceForce);
        Assert.Equal("warwickshire", police.Force!.Id);
        Assert.True(police.LocationUncertain);
        Assert.Equal(["staffordshire"], police.OtherCandidates.Select(c => c.Force.Id));
    }

    [Fact]
    public void Adult_contacting_many_children_flags_the_regional_unit()
    {
        var decision = _policy.Decide(Reports.Make(indicators: [AdultContactingManyChildren]));

        Assert.True(Assert.Single(decision.Routes, r => r.Kind == RouteKind.PoliceForce).NotifyRegionalUnit);
    }

    [Fact]
    public void A_child_reporter_with_no_indicators_gets_Childline_only()
    {
        var decision = _policy.Decide(Reports.Make(role: ReporterRole.Child, indicators: []));

        Assert.Equal(Priority.P4, decision.Priority);
        Assert.Equal(["childline"], Kinds(decision));
    }

    [Fact]
    public void A_child_reporter_at_risk_gets_the_police_and_Childline()
    {
        var decision = _policy.Decide(Reports.Make(role: ReporterRole.Child, indicators: [Threats]));

        Assert.Equal(["police-force", "childline"], Kinds(decision));
    }

    [Theory]
    [InlineData(ReporterRole.Parent)]
    [InlineData(ReporterRole.Carer)]
    [InlineData(ReporterRole.Professional)]
    [InlineData(ReporterRole.Other)]
    public void An_adult_with_no_indicators_gets_the_NSPCC_helpline_only(ReporterRole role)
    {
        var decision = _policy.Decide(Reports.Make(role: role, indicators: []));

        Assert.Equal(["nspcc-helpline"], Kinds(decision));
    }

    [Fact]
    public void An_adult_reporting_a_risk_does_not_get_the_NSPCC_route()
    {
        Assert.DoesNotContain("nspcc-helpline", Kinds(_policy.Decide(Reports.Make(indicators: [GiftsOffered]))));
    }

    [Theory]
    [InlineData(14)]
    [InlineData(17)]
    [InlineData(null)]
    public void Images_shared_of_a_child_under_18_or_of_unknown_age_add_Report_Remove(int? age)
    {
        var decision = _policy.Decide(Reports.Make(age: age, indicators: [ImagesShared]));

        Assert.Equal(["police-force", "report-remove"], Kinds(decision));
    }

    [Fact]
    public void Unknown_age_with_images_shared_and_no_postcode_goes_to_CEOP_and_Report_Remove()
    {
        var decision = _policy.Decide(Reports.Make(age: null, postcode: null, indicators: [ImagesShared]));

        Assert.Equal(Priority.P2, decision.Priority);
        Assert.Equal(["ceop", "report-remove"], Kinds(decision));
    }

    [Fact]
    public void Every_route_is_explained_in_the_reasons()
    {
        var decision = _policy.Decide(Reports.Make(role: ReporterRole.Child, indicators: [ImagesShared]));

        foreach (var route in decision.Routes)
        {
            Assert.Contains(decision.Reasons, r => r.StartsWith($"Route {route.KindName}: ", StringComparison.Ordinal));
        }
    }
}
