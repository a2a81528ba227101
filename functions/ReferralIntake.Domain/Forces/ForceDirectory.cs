using System.Collections.Frozen;
using System.Globalization;
using ReferralIntake.Domain.Postcodes;

namespace ReferralIntake.Domain.Forces;

/// <summary>
/// Every UK police force and the postcode lookup that picks one, built once from the sourced tables
/// embedded from Data/ (see Data/SOURCES.md). Lookups read precomputed tables and allocate nothing.
/// </summary>
public sealed class ForceDirectory
{
    private static readonly Lazy<ForceDirectory> Shared = new(LoadEmbedded);

    private readonly FrozenDictionary<string, PoliceForce> _byId;
    private readonly FrozenDictionary<long, District> _districts;
    private readonly long[] _exceptionUnits;      // sorted unit keys
    private readonly PostcodeResolution[] _exceptionResolutions; // parallel to _exceptionUnits

    private ForceDirectory(
        IReadOnlyList<PoliceForce> forces,
        FrozenDictionary<long, District> districts,
        long[] exceptionUnits,
        PostcodeResolution[] exceptionResolutions)
    {
        Forces = forces;
        _byId = forces.ToFrozenDictionary(f => f.Id, StringComparer.Ordinal);
        _districts = districts;
        _exceptionUnits = exceptionUnits;
        _exceptionResolutions = exceptionResolutions;
    }

    /// <summary>The directory built from the embedded data, loaded once per process.</summary>
    public static ForceDirectory Default => Shared.Value;

    public IReadOnlyList<PoliceForce> Forces { get; }

    public int DistrictCount => _districts.Count;

    public int ExceptionCount => _exceptionUnits.Length;

    public PoliceForce? Find(string forceId) => _byId.GetValueOrDefault(forceId);

    /// <summary>
    /// The force for a postcode, or null when its district is unknown to the data (the CEOP fallback).
    /// A full postcode is exact: its listed exception, else its district's majority force. An outward
    /// code alone gets the district's largest share, uncertain where the district straddles forces.
    /// </summary>
    public PostcodeResolution? Resolve(UkPostcode postcode)
    {
        if (!_districts.TryGetValue(postcode.DistrictKey, out var district))
        {
            return null;
        }

        if (!postcode.IsFull)
        {
            return district.OutwardOnly;
        }

        var at = Array.BinarySearch(_exceptionUnits, postcode.UnitKey);
        return at >= 0 ? _exceptionResolutions[at] : district.Exact;
    }

    public static ForceDirectory LoadEmbedded()
    {
        var assembly = typeof(ForceDirectory).Assembly;
        TextReader Open(string name) => new StreamReader(
            assembly.GetManifestResourceStream($"ReferralIntake.Data.{name}")
            ?? throw new InvalidOperationException($"Embedded data file {name} is missing from the build."));

        using var forces = Open("police-forces.csv");
        using var districts = Open("postcode-districts.csv");
        using var exceptions = Open("postcode-exceptions.csv");
        return Load(forces, districts, exceptions);
    }

    public static ForceDirectory Load(TextReader forcesCsv, TextReader districtsCsv, TextReader exceptionsCsv)
    {
        // police-forces.csv: force_id,pfa_code,police_uk_id,name,ons_pfa_name,country,region,territorial,...
        var forces = Csv.ReadRows(forcesCsv)
            .Select(r => new PoliceForce(
                Id: r[0],
                Name: r[3],
                Country: r[5],
                RegionalUnit: r[6].Length == 0 ? null : r[6],
                Territorial: r[7] == "true"))
            .ToList();
        var byId = forces.ToDictionary(f => f.Id, StringComparer.Ordinal);
        var exact = forces.ToDictionary(f => f.Id, f => new PostcodeResolution(f, false, []), StringComparer.Ordinal);
        PoliceForce ForceOf(string id) => byId.TryGetValue(id, out var f)
            ? f : throw new InvalidDataException($"Unknown force_id '{id}' in the postcode data.");

        // The two postcode files are read on every cold start (36,000 rows), beside the host starting: each
        // line is a span over one reused buffer, cut in place, its force found by span; nothing per row
        // is allocated but what the tables keep (less garbage, fewer collections during start-up).
        var forceBySpan = byId.GetAlternateLookup<ReadOnlySpan<char>>();
        PoliceForce ForceAt(ReadOnlySpan<char> id) => forceBySpan.TryGetValue(id, out var f) ? f : ForceOf(id.ToString());

        // postcode-districts.csv: district,force_id,pfa_code,police_uk_id,share,...
        var districtShares = new Dictionary<long, List<ForceShare>>();
        Csv.ForEachUnquotedLine(districtsCsv, row =>
        {
            Span<Range> cells = stackalloc Range[6];
            if (row.Split(cells, ',') < 5)
            {
                throw new InvalidDataException($"A postcode district row has fewer than 5 fields: '{row}'.");
            }

            var key = PostcodeKey.Of(row[cells[0]]);
            if (!districtShares.TryGetValue(key, out var shares))
            {
                districtShares[key] = shares = [];
            }

            shares.Add(new ForceShare(ForceAt(row[cells[1]]), double.Parse(row[cells[4]], CultureInfo.InvariantCulture)));
        });

        var districts = districtShares.ToFrozenDictionary(
            p => p.Key,
            p =>
            {
                var ordered = p.Value.Count == 1 ? [.. p.Value] : p.Value.OrderByDescending(s => s.Share).ToArray(); // most districts lie in one force
                var majority = ordered[0].Force;
                var outward = ordered.Length == 1
                    ? exact[majority.Id]
                    : new PostcodeResolution(majority, true, ordered[1..]);
                return new District(exact[majority.Id], outward);
            });

        // postcode-exceptions.csv: postcode,force_id (units outside their district's majority force)
        var unitKeys = new List<long>(34_000);
        var unitResolutions = new List<PostcodeResolution>(34_000);
        Csv.ForEachUnquotedLine(exceptionsCsv, row =>
        {
            Span<Range> cells = stackalloc Range[3];
            if (row.Split(cells, ',') != 2)
            {
                throw new InvalidDataException($"A postcode exception row must be 'postcode,force_id': '{row}'.");
            }

            unitKeys.Add(PostcodeKey.Of(row[cells[0]]));
            unitResolutions.Add(exact[ForceAt(row[cells[1]]).Id]);
        });

        long[] keys = [.. unitKeys];
        PostcodeResolution[] resolutions = [.. unitResolutions];
        Array.Sort(keys, resolutions); // by key, the resolutions alongside (a binary search at lookup)
        return new ForceDirectory(forces, districts, keys, resolutions);
    }

    private sealed record District(PostcodeResolution Exact, PostcodeResolution OutwardOnly);
}
