using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using static ReferralIntake.Domain.Reports.Indicator;

namespace ReferralIntake.Domain.Tests;

/// <summary>Every row of TRIAGE.md's priority table, with its edges.</summary>
public class TriagePriorityTests
{
    private static readonly DateTimeOffset Now = FixedClock.Now;
    private readonly TriagePolicy _policy = new(ForceDirectory.Default, FixedClock.Create());

    public static TheoryData<string, int?, Indicator[], Priority> IndicatorRows => new()
    {
        { "immediate danger", 14, [ImmediateDanger], Priority.P1 },
        { "meeting, time unknown", 14, [MeetingArranged], Priority.P2 },
        { "images shared", 14, [ImagesShared], Priority.P2 },
        { "threats", 14, [Threats], Priority.P2 },
        { "money demanded", 14, [MoneyDemanded], Priority.P2 },
        { "adult contacting many children", 14, [AdultContactingManyChildren], Priority.P2 },
        { "images requested, child 12", 12, [ImagesRequested], Priority.P2 },
        { "images requested, child 13", 13, [ImagesRequested], Priority.P3 },
        { "images requested, age unknown", null, [ImagesRequested], Priority.P3 },
        { "sexual conversation, child 12", 12, [SexualConversation], Priority.P2 },
        { "sexual conversation, child 13", 13, [SexualConversation], Priority.P3 },
        { "sexual conversation, age unknown", null, [SexualConversation], Priority.P3 },
        { "gifts offered", 14, [GiftsOffered], Priority.P3 },
        { "secrecy requested", 14, [SecrecyRequested], Priority.P3 },
        { "no indicator", 14, [], Priority.P4 },
        { "highest wins: gifts and threats", 14, [GiftsOffered, Threats], Priority.P2 },
        { "highest wins: danger and gifts", 14, [GiftsOffered, ImmediateDanger], Priority.P1 },
    };

    [Theory]
    [MemberData(nameof(IndicatorRows))]
    public void Priority_follows_the_table(string row, int? age, Indicator[] indicators, Priority expected)
    {
        var decision = _policy.Decide(Reports.Make(age: age, indicators: indicators));

        Assert.True(expected == decision.Priority, $"{row}: expected {expected}, got {decision.Priority}");
        Assert.StartsWith($"{expected}: ", decision.Reasons[0], StringComparison.Ordinal);
    }

    public static TheoryData<string, double, Priority> MeetingRows => new()
    {
        { "in 1 hour", 1, Priority.P1 },
        { "exactly 72 hours ahead", 72, Priority.P1 },
        { "one second past 72 hours ahead", 72 + (1.0 / 3600), Priority.P2 },
        { "a week ahead", 24 * 7, Priority.P2 },
        { "right now", 0, Priority.P1 },
        { "23 hours ago", -23, Priority.P1 },
        { "exactly 24 hours ago", -24, Priority.P2 },
        { "25 hours ago", -25, Priority.P2 },
    };

    [Theory]
    [MemberData(nameof(MeetingRows))]
    public void A_meeting_is_P1_within_72_hours_ahead_or_less_than_24_hours_past(string row, double hoursAhead, Priority expected)
    {
        var report = Reports.Make(meetingAt: Now.AddHours(hoursAhead), indicators: [MeetingArranged]);

        var decision = _policy.Decide(report);

        Assert.True(expected == decision.Priority, $"meeting {row}: expected {expected}, got {decision.Priority}");
    }

    [Fact]
    public void The_reasons_name_the_meeting_time_for_the_call_handler()
    {
        var decision = _policy.Decide(Reports.Make(meetingAt: Now.AddHours(27), indicators: [MeetingArranged]));

        Assert.Contains(decision.Reasons, r => r.Contains("Monday 23 November 2026 15:00 UTC", StringComparison.Ordinal)
            && r.Contains("within the next 72 hours", StringComparison.Ordinal));
    }

    [Fact]
    public void The_decision_records_when_it_was_made()
    {
        Assert.Equal(Now, _policy.Decide(Reports.Make()).DecidedAt);
    }
}
