namespace ReferralIntake.Domain.Triage;

/// <summary>The hand-off numbers of TRIAGE.md ("Hand-off"): settings, with TRIAGE.md's values as defaults.</summary>
public sealed class HandOffOptions
{
    /// <summary>How long a failing route keeps being tried, from acceptance, before it is undeliverable.</summary>
    public double RetryWindowHours { get; set; } = 72;

    /// <summary>The first scheduled retry's delay; each later one doubles, up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    public double FirstRetrySeconds { get; set; } = 5;

    public double MaxRetryDelaySeconds { get; set; } = 3600;

    public double P1DeliveredWithinMinutes { get; set; } = 5;

    public double P1AcknowledgedWithinMinutes { get; set; } = 15;

    public double P2DeliveredWithinMinutes { get; set; } = 60;

    public double P2AcknowledgedWithinMinutes { get; set; } = 24 * 60;

    public double P3DeliveredWithinMinutes { get; set; } = 24 * 60;
}

/// <summary>What an escalation deadline asks for when it passes.</summary>
public enum EscalationAction
{
    /// <summary>Also send to CEOP, marked escalated with the reason, and alert.</summary>
    AlsoSendToCeop,

    /// <summary>Alert operations only.</summary>
    AlertOperations,
}

/// <summary>One row of the escalation table: by when the force must have the referral, and what follows if not.</summary>
/// <param name="Acknowledged">True when the deadline is for a person's acknowledgement, false for delivery.</param>
public sealed record EscalationDeadline(Priority Priority, bool Acknowledged, TimeSpan After, EscalationAction Action)
{
    public string Reason(string forceName) => Acknowledged
        ? $"{Priority}: not acknowledged by {forceName} within {Words(After)} of acceptance."
        : $"{Priority}: not delivered to {forceName} within {Words(After)} of acceptance.";

    private static string Words(TimeSpan t) => t.TotalMinutes < 60 ? $"{t.TotalMinutes:0} minutes"
        : t.TotalHours < 24 || t.TotalHours % 24 != 0 ? $"{t.TotalHours:0.#} hours" : $"{t.TotalDays:0} days";
}

/// <summary>
/// The hand-off policy of TRIAGE.md, every rule in this one file: when a failed delivery is tried
/// again (backing off from seconds to an hour, for at least 72 hours from acceptance), and when a
/// referral not yet with its force escalates (the table: P1 5 minutes / 15 minutes, P2 1 hour /
/// 24 hours, P3 24 hours). Pure: the caller brings the clock's time.
/// </summary>
public sealed class HandOffPolicy(HandOffOptions options)
{
    public HandOffOptions Options { get; } = options;

    public TimeSpan RetryWindow => TimeSpan.FromHours(Options.RetryWindowHours);

    /// <summary>
    /// When to try a failed route again after its <paramref name="failedAttempts"/>th failure: doubling
    /// from the first delay up to the ceiling, and never sooner than the destination asked (Retry-After).
    /// Null when that time falls outside the retry window: the route is undeliverable.
    /// </summary>
    public DateTimeOffset? NextAttempt(DateTimeOffset acceptedAt, DateTimeOffset now, int failedAttempts, TimeSpan? retryAfter = null)
    {
        var doubling = Options.FirstRetrySeconds * Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 30));
        var delay = TimeSpan.FromSeconds(Math.Min(doubling, Options.MaxRetryDelaySeconds));
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked;
        }

        var next = now + delay;
        return next <= acceptedAt + RetryWindow ? next : null;
    }

    /// <summary>The escalation table's rows for a priority, earliest first (none for P4).</summary>
    public IReadOnlyList<EscalationDeadline> DeadlinesFor(Priority priority) => priority switch
    {
        Priority.P1 =>
        [
            new(Priority.P1, false, TimeSpan.FromMinutes(Options.P1DeliveredWithinMinutes), EscalationAction.AlsoSendToCeop),
            new(Priority.P1, true, TimeSpan.FromMinutes(Options.P1AcknowledgedWithinMinutes), EscalationAction.AlsoSendToCeop),
        ],
        Priority.P2 =>
        [
            new(Priority.P2, false, TimeSpan.FromMinutes(Options.P2DeliveredWithinMinutes), EscalationAction.AlsoSendToCeop),
            new(Priority.P2, true, TimeSpan.FromMinutes(Options.P2AcknowledgedWithinMinutes), EscalationAction.AlsoSendToCeop),
        ],
        Priority.P3 => [new(Priority.P3, false, TimeSpan.FromMinutes(Options.P3DeliveredWithinMinutes), EscalationAction.AlertOperations)],
        _ => [],
    };

    /// <summary>How long a failing CEOP route may go undelivered before operations are alerted (P1: the P1 delivery deadline).</summary>
    public TimeSpan CeopAlertAfter => TimeSpan.FromMinutes(Options.P1DeliveredWithinMinutes);
}
