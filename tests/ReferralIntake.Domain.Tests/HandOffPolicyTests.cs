using ReferralIntake.Domain.Triage;

namespace ReferralIntake.Domain.Tests;

/// <summary>TRIAGE.md, "Hand-off": the retry schedule, its window, and the escalation table, exactly.</summary>
public sealed class HandOffPolicyTests
{
    private static readonly DateTimeOffset Accepted = FixedClock.Now;
    private readonly HandOffPolicy _policy = new(new HandOffOptions());

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 10)]
    [InlineData(3, 20)]
    [InlineData(10, 2560)]
    [InlineData(11, 3600)] // an hour at most
    [InlineData(40, 3600)]
    public void A_failed_route_is_tried_again_backing_off_from_seconds_to_an_hour(int failures, int seconds)
    {
        var now = Accepted.AddMinutes(1);

        Assert.Equal(now.AddSeconds(seconds), _policy.NextAttempt(Accepted, now, failures));
    }

    [Fact]
    public void A_Retry_After_longer_than_the_back_off_is_honoured()
    {
        var now = Accepted.AddMinutes(1);

        Assert.Equal(now.AddSeconds(120), _policy.NextAttempt(Accepted, now, 1, TimeSpan.FromSeconds(120)));
        Assert.Equal(now.AddSeconds(5), _policy.NextAttempt(Accepted, now, 1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void The_route_keeps_being_tried_for_72_hours_then_is_undeliverable()
    {
        Assert.NotNull(_policy.NextAttempt(Accepted, Accepted.AddHours(71), 50));
        Assert.Equal(Accepted.AddHours(72), _policy.NextAttempt(Accepted, Accepted.AddHours(72).AddSeconds(-3600), 50));
        Assert.Null(_policy.NextAttempt(Accepted, Accepted.AddHours(72).AddSeconds(-3599), 50));
    }

    [Fact]
    public void The_escalation_table_is_TRIAGE_md_s()
    {
        Assert.Equal(
            [(Priority.P1, false, 5.0, EscalationAction.AlsoSendToCeop), (Priority.P1, true, 15.0, EscalationAction.AlsoSendToCeop)],
            _policy.DeadlinesFor(Priority.P1).Select(d => (d.Priority, d.Acknowledged, d.After.TotalMinutes, d.Action)));
        Assert.Equal(
            [(Priority.P2, false, 60.0, EscalationAction.AlsoSendToCeop), (Priority.P2, true, 1440.0, EscalationAction.AlsoSendToCeop)],
            _policy.DeadlinesFor(Priority.P2).Select(d => (d.Priority, d.Acknowledged, d.After.TotalMinutes, d.Action)));
        Assert.Equal(
            [(Priority.P3, false, 1440.0, EscalationAction.AlertOperations)],
            _policy.DeadlinesFor(Priority.P3).Select(d => (d.Priority, d.Acknowledged, d.After.TotalMinutes, d.Action)));
        Assert.Empty(_policy.DeadlinesFor(Priority.P4));
        Assert.Equal(TimeSpan.FromMinutes(5), _policy.CeopAlertAfter);
    }

    [Fact]
    public void An_escalation_gives_its_reason_in_words()
    {
        var p1 = _policy.DeadlinesFor(Priority.P1)[0];

        Assert.Equal("P1: not delivered to West Mercia Police within 5 minutes of acceptance.", p1.Reason("West Mercia Police"));
    }
}
