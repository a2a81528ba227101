using System.Collections.Immutable;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Advice;

/// <summary>One piece of safety advice shown at once, before triage runs.</summary>
/// <param name="Kind">emergency, non-emergency, childline, nspcc-helpline or report-remove.</param>
public sealed record SafetyAdvice(string Kind, string Text);

/// <summary>
/// The advice of TRIAGE.md's "Advice shown at once on acceptance". Numbers and addresses are those
/// of Data/SOURCES.md section 4; check them against the live sites before each release.
/// </summary>
public static class AcknowledgementAdvice
{
    public const string ChildlinePhone = "0800 1111";
    public const string ChildlineWebsite = "www.childline.org.uk";
    public const string NspccPhone = "0808 800 5000";
    public const string NspccEmail = "help@nspcc.org.uk";
    public const string ReportRemoveInfo = "https://www.iwf.org.uk/what-we-do/why-we-exist/report-remove";

    public static ImmutableArray<SafetyAdvice> For(ConcernReport report)
    {
        var child = report.Reporter.IsChild;
        var advice = ImmutableArray.CreateBuilder<SafetyAdvice>();
        advice.Add(new("emergency", "If a child is in immediate danger, call 999."));
        advice.Add(new("non-emergency", "For a non-emergency, call the police on 101."));
        advice.Add(child
            ? new("childline", $"You did the right thing by telling someone. You can talk to Childline about anything, free and in confidence: call {ChildlinePhone} or go to {ChildlineWebsite}.")
            : new("nspcc-helpline", $"If you are worried about a child, the NSPCC Helpline can help: call {NspccPhone} or email {NspccEmail}."));
        if (report.Concern.Has(Indicator.ImagesShared))
        {
            advice.Add(new("report-remove", child
                ? $"If a nude image or video of you has been shared online, Report Remove from Childline and the IWF can help get it taken down. Find it on the Childline website, {ChildlineWebsite}."
                : $"If a nude image or video of a young person under 18 has been shared online, Report Remove from Childline and the IWF can help get it taken down: {ReportRemoveInfo}"));
        }

        return advice.ToImmutable();
    }
}
