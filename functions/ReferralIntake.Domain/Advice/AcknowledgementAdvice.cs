using System.Collections.Immutable;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Advice;

/// <summary>One piece of safety advice shown at once, before triage runs.</summary>
/// <param name="Kind">emergency, blackmail, non-emergency, childline, nspcc-helpline or report-remove.</param>
/// <param name="TextKey">The key of its words in the app's language catalogues (English and Welsh): the
/// policy chooses the advice, the catalogue says it.</param>
public sealed record SafetyAdvice(string Kind, string TextKey)
{
    /// <summary>The keys of the steps listed under the text, in order (the blackmail advice's); none for the others.</summary>
    public ImmutableArray<string> StepKeys { get; init; } = [];
}

/// <summary>
/// The advice of TRIAGE.md's "Advice shown at once on acceptance" and "Advice fitted to the harm". Numbers and addresses are those
/// of Data/SOURCES.md section 4; check them against the live sites before each release. The catalogues
/// hold the words; a test checks each language's words carry these numbers.
/// </summary>
public static class AcknowledgementAdvice
{
    public const string ChildlinePhone = "0800 1111";
    public const string ChildlineWebsite = "www.childline.org.uk";
    public const string NspccPhone = "0808 800 5000";
    public const string NspccEmail = "help@nspcc.org.uk";
    public const string ReportRemoveInfo = "https://www.iwf.org.uk/what-we-do/why-we-exist/report-remove";
    public const string TakeItDown = "https://takeitdown.ncmec.org";

    /// <summary>Every advice kind, in the order they are shown (the contract's enum).</summary>
    public static readonly ImmutableArray<string> Kinds = ["emergency", "blackmail", "non-emergency", "childline", "nspcc-helpline", "report-remove"];

    public static ImmutableArray<SafetyAdvice> For(ConcernReport report)
    {
        var child = report.Reporter.IsChild;
        var advice = ImmutableArray.CreateBuilder<SafetyAdvice>();
        advice.Add(new("emergency", "advice.emergency"));
        if (report.Concern.Has(Indicator.Threats) || report.Concern.Has(Indicator.MoneyDemanded))
        {
            advice.Add(Blackmail(child, report.Concern.Has(Indicator.ImagesShared)));
        }

        advice.Add(new("non-emergency", "advice.non-emergency"));
        advice.Add(child ? new("childline", "advice.childline") : new("nspcc-helpline", "advice.nspcc-helpline"));
        if (report.Concern.Has(Indicator.ImagesShared))
        {
            advice.Add(new("report-remove", child ? "advice.report-remove.child" : "advice.report-remove.adult"));
        }

        return advice.ToImmutable();
    }

    /// <summary>
    /// The NCA's advice on online blackmail (its alert to UK schools, 29 April 2024): not the child's fault, don't pay,
    /// stop contact and block, keep the evidence, and where images were shared, Report Remove and Take It Down. A child
    /// is spoken to in a young person's words and told first that it is not their fault; an adult is told how to help.
    /// </summary>
    private static SafetyAdvice Blackmail(bool child, bool imagesShared)
    {
        var who = child ? "child" : "adult";
        string[] steps = ["dont-pay", "block", "evidence", .. imagesShared ? ["images"] : Array.Empty<string>()];
        return new("blackmail", $"advice.blackmail.{who}") { StepKeys = [.. steps.Select(step => $"advice.blackmail.{step}.{who}")] };
    }
}
