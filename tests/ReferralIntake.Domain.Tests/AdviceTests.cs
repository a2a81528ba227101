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

    public static TheoryData<ReporterRole, string, bool> EveryRoleBlackmailAndImages()
    {
        var data = new TheoryData<ReporterRole, string, bool>();
        foreach (var role in Enum.GetValues<ReporterRole>())
        {
            foreach (var ticked in new[] { "threats", "moneyDemanded", "both", "neither" })
            {
                data.Add(role, ticked, true);
                data.Add(role, ticked, false);
            }
        }

        return data;
    }

    /// <summary>TRIAGE.md, "Advice fitted to the harm": threats or money demanded adds the blackmail advice right after
    /// the emergency line; its steps are don't pay, block, keep the evidence, and Report Remove and Take It Down only
    /// where images were shared; a child is spoken to as a child, every other reporter as the adult helping.</summary>
    [Theory]
    [MemberData(nameof(EveryRoleBlackmailAndImages))]
    public void Threats_or_money_demanded_add_the_blackmail_advice_right_after_the_emergency_line(ReporterRole role, string ticked, bool imagesShared)
    {
        Indicator[] indicators =
        [
            .. ticked is "threats" or "both" ? [Indicator.Threats] : Array.Empty<Indicator>(),
            .. ticked is "moneyDemanded" or "both" ? [Indicator.MoneyDemanded] : Array.Empty<Indicator>(),
            .. imagesShared ? [Indicator.ImagesShared] : Array.Empty<Indicator>(),
        ];
        var advice = AcknowledgementAdvice.For(Reports.Make(role: role, indicators: indicators));

        var blackmail = ticked != "neither";
        var who = role == ReporterRole.Child ? "child" : "adult";
        string[] expected =
        [
            "emergency",
            .. blackmail ? ["blackmail"] : Array.Empty<string>(),
            "non-emergency",
            role == ReporterRole.Child ? "childline" : "nspcc-helpline",
            .. imagesShared ? ["report-remove"] : Array.Empty<string>(),
        ];
        Assert.Equal(expected, advice.Select(a => a.Kind));
        Assert.All(advice.Where(a => a.Kind != "blackmail"), a => Assert.Empty(a.StepKeys));
        if (!blackmail)
        {
            return;
        }

        var item = advice[1];
        Assert.Equal($"advice.blackmail.{who}", item.TextKey);
        string[] steps =
        [
            $"advice.blackmail.dont-pay.{who}",
            $"advice.blackmail.block.{who}",
            $"advice.blackmail.evidence.{who}",
            .. imagesShared ? [$"advice.blackmail.images.{who}"] : Array.Empty<string>(),
        ];
        Assert.Equal(steps, item.StepKeys);
    }

    [Fact]
    public void A_child_who_is_threatened_and_shared_images_is_told_in_this_order()
    {
        var advice = AcknowledgementAdvice.For(Reports.Make(role: ReporterRole.Child, indicators: [Indicator.Threats, Indicator.ImagesShared]));

        Assert.Equal(["advice.emergency", "advice.blackmail.child", "advice.non-emergency", "advice.childline", "advice.report-remove.child"], advice.Select(a => a.TextKey));
        Assert.Equal(["advice.blackmail.dont-pay.child", "advice.blackmail.block.child", "advice.blackmail.evidence.child", "advice.blackmail.images.child"], advice[1].StepKeys.AsEnumerable());
    }

    [Fact]
    public void Every_kind_given_is_one_the_contract_lists()
    {
        var given = Enum.GetValues<ReporterRole>().SelectMany(role =>
            AcknowledgementAdvice.For(Reports.Make(role: role, indicators: [Indicator.Threats, Indicator.ImagesShared]))
                .Concat(AcknowledgementAdvice.For(Reports.Make(role: role))))
            .Select(a => a.Kind).Distinct();

        Assert.Equal(AcknowledgementAdvice.Kinds.Order(StringComparer.Ordinal), given.Order(StringComparer.Ordinal));
    }
}
