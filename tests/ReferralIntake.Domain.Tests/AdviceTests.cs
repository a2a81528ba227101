using ReferralIntake.Domain.Advice;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Tests;

public class AdviceTests
{
    private static string[] Kinds(ConcernReport report) => [.. AcknowledgementAdvice.For(report).Select(a => a.Kind)];

    [Fact]
    public void Every_reporter_is_told_999_and_101_first()
    {
        var advice = AcknowledgementAdvice.For(Reports.Make());

        // The words, in English and Welsh, are checked with the catalogues (Functions.Tests, LanguageCatalogueTests).
        Assert.Equal(["emergency", "non-emergency"], advice.Take(2).Select(a => a.Kind));
        Assert.Equal(["advice.emergency", "advice.non-emergency"], advice.Take(2).Select(a => a.TextKey));
    }

    [Fact]
    public void A_child_sees_Childline_and_not_the_adult_helpline()
    {
        var advice = AcknowledgementAdvice.For(Reports.Make(role: ReporterRole.Child));

        Assert.Equal(["emergency", "non-emergency", "childline"], advice.Select(a => a.Kind));
        Assert.Equal("advice.childline", advice[2].TextKey);
    }

    [Fact]
    public void An_adult_sees_the_NSPCC_helpline()
    {
        var advice = AcknowledgementAdvice.For(Reports.Make(role: ReporterRole.Professional));

        Assert.Equal(["emergency", "non-emergency", "nspcc-helpline"], advice.Select(a => a.Kind));
        Assert.Equal("advice.nspcc-helpline", advice[2].TextKey);
    }

    [Theory]
    [InlineData(ReporterRole.Child)]
    [InlineData(ReporterRole.Parent)]
    public void Images_shared_points_to_Report_Remove(ReporterRole role)
    {
        Assert.Equal("report-remove", Kinds(Reports.Make(role: role, indicators: [Indicator.ImagesShared]))[^1]);
        Assert.DoesNotContain("report-remove", Kinds(Reports.Make(role: role, indicators: [Indicator.ImagesRequested])));
        Assert.Equal(role == ReporterRole.Child ? "advice.report-remove.child" : "advice.report-remove.adult",
            AcknowledgementAdvice.For(Reports.Make(role: role, indicators: [Indicator.ImagesShared]))[^1].TextKey);
    }
}
