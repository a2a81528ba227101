using Microsoft.Extensions.Time.Testing;
using System.Collections.Immutable;
using ReferralIntake.Domain.Postcodes;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Tests;

/// <summary>The moment every policy test decides at: a FakeTimeProvider stays there unless a test moves it.</summary>
internal static class FixedClock
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Create() => new(Now);
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
