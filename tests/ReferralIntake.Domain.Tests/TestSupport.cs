using System.Collections.Immutable;
using ReferralIntake.Domain.Postcodes;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Tests;

/// <summary>A clock that stays where a test puts it.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public FixedClock()
        : this(Now)
    {
    }

    public override DateTimeOffset GetUtcNow() => now;
}

internal static class Reports
{
    public static ConcernReport Make(
        ReporterRole role = ReporterRole.Parent,
        int? age = 14,
        string? postcode = "B15 2TT",
        DateTimeOffset? meetingAt = null,
        params Indicator[] indicators)
    {
        UkPostcode? parsed = null;
        if (postcode is not null && !UkPostcode.TryParse(postcode, out parsed))
        {
            throw new ArgumentException("test postcode must parse", nameof(postcode));
        }

        return new ConcernReport(
            new Reporter(role, null, null, null, false),
            new ChildDetails(null, age, parsed),
            new Concern("Someone online keeps messaging my child.", [], [.. indicators], meetingAt),
            SuspectDetails.Unknown);
    }
}
