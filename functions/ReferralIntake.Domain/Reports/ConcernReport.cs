using ReferralIntake.Domain.Postcodes;
using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace ReferralIntake.Domain.Reports;

/// <summary>
/// A concern report as the partner contract (API.md, version 1) defines it. Immutable; built by
/// <see cref="ConcernReportReader"/>, so every new instance has passed validation, or restored from
/// storage exactly as it was accepted (never validated again under newer rules).
/// </summary>
public sealed record ConcernReport(Reporter Reporter, ChildDetails Child, Concern Concern, SuspectDetails Suspect)
{
    public const int ContractVersion = 1;
}

public sealed record Reporter(ReporterRole Role, string? Name, string? Email, string? Phone, bool ContactConsent)
{
    [JsonIgnore]
    public bool IsChild => Role == ReporterRole.Child;
}

public sealed record ChildDetails(string? FirstName, int? Age, UkPostcode? Postcode)
{
    public static readonly ChildDetails Unknown = new(null, null, null);
}

public sealed record Concern(
    string Description,
    ImmutableArray<string> Platforms,
    ImmutableArray<Indicator> Indicators,
    DateTimeOffset? MeetingAt)
{
    public bool Has(Indicator indicator) => Indicators.Contains(indicator);
}

public sealed record SuspectDetails(ImmutableArray<string> Usernames, string? Platform, int? ApproximateAge, string? Location)
{
    public static readonly SuspectDetails Unknown = new([], null, null, null);
}

/// <summary>Who made the report. Wire names are the camelCase names of API.md.</summary>
public enum ReporterRole
{
    Parent,
    Carer,
    Child,
    Professional,
    Other,
}

/// <summary>The indicators a reporter can tick (TRIAGE.md). Wire names are camelCase.</summary>
public enum Indicator
{
    ImmediateDanger,
    MeetingArranged,
    ImagesShared,
    ImagesRequested,
    Threats,
    MoneyDemanded,
    AdultContactingManyChildren,
    SexualConversation,
    GiftsOffered,
    SecrecyRequested,
}
