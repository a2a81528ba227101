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

        Assert.Equal("If a child is in immediate danger, call 999.", advice[0].Text);
        Assert.Contains("101", advice[1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_sees_Childline_and_not_the_adult_helpline()
    {
        var advice = AcknowledgementAdvice.For(Reports.Make(role: ReporterRole.Child));

        Assert.Equal(["emergency", "non-emergency", "childline"], advice.Select(a => a.Kind));
        Assert.Contains("0800 1111", advice[2].Text, StringComparison.Ordinal);
        Assert.Contains("childline.org.uk", advice[2].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_adult_sees_the_NSPCC_helpline()
    {
        var advice = AcknowledgementAdvice.For(Reports.Make(role: ReporterRole.Professional));

        Assert.Equal(["emergency", "non-emergency", "nspcc-helpline"], advice.Select(a => a.Kind));
        Assert.Contains("0808 800 5000", advice[2].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReporterRole.Child)]
    [InlineData(ReporterRole.Parent)]
    public void Images_shared_points_to_Report_Remove(ReporterRole role)
    {
        Assert.Equal("report-remove", Kinds(Reports.Make(role: role, indicators: [Indicator.ImagesShared]))[^1]);
        Assert.DoesNotContain("report-remove", Kinds(Reports.Make(role: role, indicators: [Indicator.ImagesRequested])));
    }
}
