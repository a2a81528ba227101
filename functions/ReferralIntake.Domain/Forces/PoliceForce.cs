namespace ReferralIntake.Domain.Forces;

/// <summary>A UK police force, from Data/police-forces.csv (sources in Data/SOURCES.md).</summary>
/// <param name="Id">This service's stable id for the force: the API's <c>forceId</c>.</param>
/// <param name="RegionalUnit">The regional organised crime unit the force belongs to; null where it has none.</param>
public sealed record PoliceForce(string Id, string Name, string Country, string? RegionalUnit, bool Territorial);

/// <summary>A force and the fraction of a district's postcode units that lie in it.</summary>
public sealed record ForceShare(PoliceForce Force, double Share);

/// <summary>Where a postcode leads: the force, and whether the location is exact.</summary>
/// <param name="LocationUncertain">True when only an outward code was given and its district straddles forces.</param>
/// <param name="OtherCandidates">The other forces of a straddling district, largest share first; empty when exact.</param>
public sealed record PostcodeResolution(PoliceForce Force, bool LocationUncertain, IReadOnlyList<ForceShare> OtherCandidates);
