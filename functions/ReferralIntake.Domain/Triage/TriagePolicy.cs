using System.Collections.Immutable;
using System.Globalization;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Reports;
using static ReferralIntake.Domain.Reports.Indicator;

namespace ReferralIntake.Domain.Triage;

/// <summary>
/// The triage and routing policy of TRIAGE.md, every rule in this one file: first the priority table,
/// then the route rules. To change a rule, change its row here and its test in TriagePolicyTests.
/// </summary>
public sealed class TriagePolicy(ForceDirectory directory, TimeProvider clock)
{
    public static readonly TimeSpan MeetingSoonWindow = TimeSpan.FromHours(72);
    public static readonly TimeSpan MeetingRecentlyPassedWindow = TimeSpan.FromHours(24);
    private const int YoungChildAge = 13; // "under 13" in TRIAGE.md
    private const int AdultAge = 18;

    /// <summary>The priority table: take the highest that applies. Each row gives its reason, or null when it does not apply.</summary>
    private static readonly (Priority Priority, Func<Facts, string?> Applies)[] PriorityRules =
    [
        (Priority.P1, f => f.Has(ImmediateDanger) ? "Immediate danger to the child was reported." : null),
        (Priority.P1, f => f.MeetingSoon ? $"A meeting with the child is arranged for {f.MeetingText}, within the next 72 hours." : null),
        (Priority.P1, f => f.MeetingJustPassed ? $"A meeting with the child was arranged for {f.MeetingText}, less than 24 hours ago." : null),
        (Priority.P2, f => f.Has(MeetingArranged) && !f.MeetingSoon && !f.MeetingJustPassed
            ? (f.MeetingAt is null ? "A meeting with the child is arranged (time not known)." : $"A meeting with the child is arranged for {f.MeetingText}.")
            : null),
        (Priority.P2, f => f.Has(ImagesShared) ? "Images of the child have been shared." : null),
        (Priority.P2, f => f.Has(Threats) ? "The child is being threatened." : null),
        (Priority.P2, f => f.Has(MoneyDemanded) ? "Money has been demanded from the child." : null),
        (Priority.P2, f => f.Has(AdultContactingManyChildren) ? "The adult appears to be contacting many children." : null),
        (Priority.P2, f => f.Has(ImagesRequested) && f.Under13 ? $"Images were requested from a child aged {f.Age}, under 13." : null),
        (Priority.P2, f => f.Has(SexualConversation) && f.Under13 ? $"Sexual conversation with a child aged {f.Age}, under 13." : null),
        (Priority.P3, f => f.Has(ImagesRequested) && !f.Under13 ? "Images were requested from the child." : null),
        (Priority.P3, f => f.Has(SexualConversation) && !f.Under13 ? "Sexual conversation with the child." : null),
        (Priority.P3, f => f.Has(GiftsOffered) ? "Gifts were offered to the child." : null),
        (Priority.P3, f => f.Has(SecrecyRequested) ? "The child was asked to keep it secret." : null),
        (Priority.P4, f => f.Report.Concern.Indicators.IsEmpty ? "No risk indicator was ticked: advice and signposting." : null),
    ];

    public TriageDecision Decide(ConcernReport report)
    {
        var now = clock.GetUtcNow();
        var facts = new Facts(report, now);
        var priority = Priority.P4;
        var reasons = ImmutableArray.CreateBuilder<string>();
        foreach (var (rulePriority, applies) in PriorityRules)
        {
            if (applies(facts) is { } reason)
            {
                priority = rulePriority < priority ? rulePriority : priority;
                reasons.Add($"{rulePriority}: {reason}");
            }
        }

        var routes = Routes(facts, priority);
        reasons.AddRange(routes.Select(r => $"Route {r.KindName}: {r.Reason}"));
        return new TriageDecision(priority, reasons.ToImmutable(), routes, now);
    }

    /// <summary>The route rules of TRIAGE.md, in order.</summary>
    private ImmutableArray<Route> Routes(Facts f, Priority priority)
    {
        var routes = ImmutableArray.CreateBuilder<Route>();
        var needsPolice = priority <= Priority.P3;
        var postcode = f.Report.Child.Postcode;
        var resolution = postcode is null ? null : directory.Resolve(postcode);

        if (needsPolice && resolution is not null)
        {
            var force = resolution.Force;
            var where = resolution.LocationUncertain
                ? $"The child's postcode district {postcode!.Outward} straddles forces; {force.Name} covers the largest share."
                : $"The child's postcode {postcode!.Canonical} is in the {force.Name} area.";
            var notify = f.Has(AdultContactingManyChildren);
            routes.Add(new Route(RouteKind.PoliceForce,
                notify ? $"{where} Notify the regional unit: one adult, many children, often across force borders." : where)
            {
                Force = force,
                LocationUncertain = resolution.LocationUncertain,
                NotifyRegionalUnit = notify,
                OtherCandidates = resolution.OtherCandidates,
            });
        }
        else if (needsPolice)
        {
            routes.Add(new Route(RouteKind.Ceop, postcode is null
                ? "No postcode was given, so the report goes to CEOP, the national fallback."
                : $"The postcode district {postcode.Outward} matches no UK force, so the report goes to CEOP, the national fallback."));
        }

        if (f.Report.Reporter.IsChild)
        {
            routes.Add(new Route(RouteKind.Childline, "The young person reported this themself."));
        }
        else if (priority == Priority.P4)
        {
            routes.Add(new Route(RouteKind.NspccHelpline, "An adult asked for advice with no risk indicator ticked."));
        }

        if (f.Has(ImagesShared) && (f.Age is null || f.Age < AdultAge))
        {
            routes.Add(new Route(RouteKind.ReportRemove, f.Age is null
                ? "Images were shared and the child's age is not known."
                : "Images of a child under 18 were shared."));
        }

        return routes.ToImmutable();
    }

    /// <summary>The facts the rules read, worked out once per decision.</summary>
    private sealed class Facts
    {
        public Facts(ConcernReport report, DateTimeOffset now)
        {
            Report = report;
            Age = report.Child.Age;
            Under13 = Age is { } age && age < YoungChildAge;
            MeetingAt = report.Concern.Has(MeetingArranged) ? report.Concern.MeetingAt : null;
            if (MeetingAt is { } at)
            {
                var ahead = at - now;
                MeetingSoon = ahead >= TimeSpan.Zero && ahead <= MeetingSoonWindow;
                MeetingJustPassed = ahead < TimeSpan.Zero && -ahead < MeetingRecentlyPassedWindow;
            }
        }

        public ConcernReport Report { get; }

        public int? Age { get; }

        public bool Under13 { get; }

        public DateTimeOffset? MeetingAt { get; }

        public bool MeetingSoon { get; }

        public bool MeetingJustPassed { get; }

        public string MeetingText => MeetingAt?.UtcDateTime.ToString("dddd d MMMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "";

        public bool Has(Indicator indicator) => Report.Concern.Has(indicator);
    }
}
