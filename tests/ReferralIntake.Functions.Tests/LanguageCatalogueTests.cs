using System.Text.RegularExpressions;
using ReferralIntake.Domain.Advice;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Localisation;
using ReferralIntake.Functions.Tests.Support;
using ReferralIntake.Functions.WebForm;

namespace ReferralIntake.Functions.Tests;

/// <summary>The English and Welsh catalogues: the same keys, the same places to fill, and every key the code asks for.</summary>
public sealed partial class LanguageCatalogueTests
{
    private static readonly Catalogue[] Both = [Catalogue.English, Catalogue.Welsh];

    [Fact]
    public void Both_languages_have_exactly_the_same_keys_and_no_empty_text()
    {
        var missingInWelsh = Catalogue.English.Keys.Except(Catalogue.Welsh.Keys).Order().ToList();
        var missingInEnglish = Catalogue.Welsh.Keys.Except(Catalogue.English.Keys).Order().ToList();

        Assert.True(Catalogue.English.Keys.Count > 200, "the catalogue was read");
        Assert.Empty(missingInWelsh);
        Assert.Empty(missingInEnglish);
        Assert.All(Both, t => Assert.All(t.Keys, k => Assert.False(string.IsNullOrWhiteSpace(t[k]), $"{t.Code}: {k} is empty")));
    }

    [Fact]
    public void Each_text_has_the_same_places_to_fill_in_both_languages()
    {
        var differ = Catalogue.English.Keys
            .Where(k => !Placeholders(Catalogue.English[k]).SetEquals(Placeholders(Catalogue.Welsh[k])))
            .ToList();

        Assert.Empty(differ);
    }

    [Fact]
    public void The_Welsh_is_Welsh_not_English_left_in_place()
    {
        // Names, numbers and addresses may be the same in both; sentences may not.
        var same = Catalogue.English.Keys.Where(k => Catalogue.English[k] == Catalogue.Welsh[k] && Catalogue.English[k].Contains(' ', StringComparison.Ordinal)
            && !k.StartsWith("force.", StringComparison.Ordinal)).ToList();

        Assert.Empty(same);
    }

    [Fact]
    public void Every_key_the_code_names_is_in_both_catalogues()
    {
        var source = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "functions", "ReferralIntake.Functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText);
        var named = source.SelectMany(s => KeyUse().Matches(s).Select(m => m.Groups["key"].Value)).Distinct().ToList();

        Assert.True(named.Count > 150, $"only {named.Count} keys found in the code");
        var missing = Both.SelectMany(t => named.Except(t.Keys).Select(k => $"{t.Code}: {k}")).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_key_built_from_a_name_exists_roles_indicators_advice_months_and_errors()
    {
        var built = ReportQuestions.Roles.Select(r => $"role.{r}")
            .Concat(ReportQuestions.Indicators.Select(i => $"indicator.{WireNames.Of(i)}"))
            .Concat(Enumerable.Range(1, 12).SelectMany(m => new[] { $"month.{m}", $"month.short.{m}" }))
            .Concat(Feedback.FeedbackEndpoints.Ratings.Select(r => $"feedback.rating.{r}"))
            .Concat([.. Advice().SelectMany(a => a.StepKeys.Prepend(a.TextKey)), "error.invalid"])
            .ToList();

        var missing = Both.SelectMany(t => built.Except(t.Keys).Select(k => $"{t.Code}: {k}")).ToList();
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("cy")]
    public void The_advice_in_each_language_carries_the_helplines_numbers(string code)
    {
        var t = Catalogue.ForCode(code);

        Assert.Contains("999", t["advice.emergency"], StringComparison.Ordinal);
        Assert.Contains("101", t["advice.non-emergency"], StringComparison.Ordinal);
        Assert.Contains(AcknowledgementAdvice.ChildlinePhone, t["advice.childline"], StringComparison.Ordinal);
        Assert.Contains(AcknowledgementAdvice.ChildlineWebsite, t["advice.childline"], StringComparison.Ordinal);
        Assert.Contains(AcknowledgementAdvice.NspccPhone, t["advice.nspcc-helpline"], StringComparison.Ordinal);
        Assert.Contains(AcknowledgementAdvice.NspccEmail, t["advice.nspcc-helpline"], StringComparison.Ordinal);
        Assert.Contains(AcknowledgementAdvice.ReportRemoveInfo, t["advice.report-remove.adult"], StringComparison.Ordinal);
        foreach (var who in new[] { "child", "adult" })
        {
            Assert.Contains(AcknowledgementAdvice.TakeItDown, t[$"advice.blackmail.images.{who}"], StringComparison.Ordinal);
            Assert.Contains("Report Remove", t[$"advice.blackmail.images.{who}"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_blackmail_advice_says_what_TRIAGE_md_asks_a_child_first_that_it_is_not_their_fault()
    {
        var t = Catalogue.English;

        Assert.StartsWith("This is not your fault. You are not in trouble for telling us.", t["advice.blackmail.child"], StringComparison.Ordinal);
        Assert.Contains("not the child's fault", t["advice.blackmail.adult"], StringComparison.Ordinal);
        foreach (var who in new[] { "child", "adult" })
        {
            Assert.Contains("do not pay any more", t[$"advice.blackmail.dont-pay.{who}"], StringComparison.Ordinal);
            Assert.Contains("block", t[$"advice.blackmail.block.{who}"], StringComparison.Ordinal);
            Assert.StartsWith("Do not delete anything", t[$"advice.blackmail.evidence.{who}"], StringComparison.Ordinal);
        }

        Assert.StartsWith("Nid eich bai chi yw hyn.", Catalogue.Welsh["advice.blackmail.child"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_English_advice_is_as_TRIAGE_md_words_it()
    {
        Assert.Equal("If a child is in immediate danger, call 999.", Catalogue.English["advice.emergency"]);
        Assert.Equal("For a non-emergency, call the police on 101.", Catalogue.English["advice.non-emergency"]);
    }

    [Fact]
    public void Markup_links_keep_the_language_and_text_is_never_treated_as_markup()
    {
        Assert.Contains("href=\"/privacy?lang=cy\"", Catalogue.Welsh.Html("about.body.html"), StringComparison.Ordinal);
        Assert.Contains("href=\"/privacy\"", Catalogue.English.Html("about.body.html"), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Catalogue.English.Html("service.name"));
        Assert.Equal("/report?lang=cy", Catalogue.Welsh.Link("/report"));
        Assert.Equal("/report", Catalogue.English.Link("/report"));
    }

    [Fact]
    public void A_key_missing_everywhere_is_a_clear_error_not_a_blank()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => Catalogue.Welsh["no.such.key"]);
        Assert.Contains("no.such.key", e.Message, StringComparison.Ordinal);
        Assert.Null(Catalogue.Welsh.Optional("no.such.key"));
    }

    private static IEnumerable<SafetyAdvice> Advice() =>
        from role in new[] { ReporterRole.Child, ReporterRole.Parent }
        from images in new[] { true, false }
        from blackmail in new[] { true, false }
        from a in AcknowledgementAdvice.For(new ConcernReport(
            new Reporter(role, null, null, null, false), ChildDetails.Unknown,
            new Concern("Someone keeps messaging my child.", [],
                [.. images ? [Indicator.ImagesShared] : Array.Empty<Indicator>(), .. blackmail ? [Indicator.MoneyDemanded] : Array.Empty<Indicator>()], null),
            SuspectDetails.Unknown))
        select a;

    private static HashSet<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value)];

    [GeneratedRegex(@"%?\{[a-zA-Z0-9]+\}")]
    private static partial Regex Placeholder();

    /// <summary>t["key"], t.Format("key", …), t.Html("key"), t.Optional("key"), Catalogue.English["key"], t.Other["key"].</summary>
    [GeneratedRegex(@"(?:\b(?:t|English|Welsh|Other)\[|\.(?:Format|Html|Optional)\()""(?<key>[a-z0-9][a-zA-Z0-9.\-]*)""")]
    private static partial Regex KeyUse();
}
