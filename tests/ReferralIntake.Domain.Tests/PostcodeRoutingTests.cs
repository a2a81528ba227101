using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Postcodes;

namespace ReferralIntake.Domain.Tests;

/// <summary>Postcode parsing and the force directory, against the sourced data.</summary>
public class PostcodeRoutingTests
{
    private static readonly ForceDirectory Directory = ForceDirectory.Default;

    private static PostcodeResolution? Resolve(string text)
    {
        Assert.True(UkPostcode.TryParse(text, out var postcode), $"'{text}' should parse");
        return Directory.Resolve(postcode);
    }

    [Theory]
    // West Midlands region, full postcodes, including units outside their district's majority force
    [InlineData("B15 2TT", "west-midlands")]
    [InlineData("B45 8AB", "west-mercia")]     // Bromsgrove part of B45 (majority West Midlands)
    [InlineData("B78 2AA", "staffordshire")]   // Lichfield part of B78 (majority Warwickshire)
    [InlineData("B78 3AX", "staffordshire")]   // Tamworth part of B78
    [InlineData("CV7 7AA", "west-midlands")]   // Solihull part of CV7 (majority Warwickshire)
    [InlineData("WS11 1AA", "staffordshire")]
    [InlineData("WR1 1AA", "west-mercia")]
    [InlineData("CV1 1AA", "west-midlands")]
    // London: the Met and the City of London, both ways round
    [InlineData("SW1A 1AA", "metropolitan")]
    [InlineData("EC2V 7HH", "city-of-london")]
    [InlineData("EC1A 1AA", "metropolitan")]   // an exception in a City-majority district
    // Wales, Scotland, Northern Ireland
    [InlineData("CF10 1AA", "south-wales")]
    [InlineData("LL11 1AA", "north-wales")]
    [InlineData("EH1 1AA", "police-scotland")]
    [InlineData("BT1 1AA", "northern-ireland")]
    // any case, space optional
    [InlineData("b452ab", "west-midlands")]
    [InlineData("b458ab", "west-mercia")]
    [InlineData("  cv7 7aa ", "west-midlands")]
    public void A_full_postcode_resolves_exactly(string postcode, string forceId)
    {
        var resolution = Resolve(postcode);

        Assert.NotNull(resolution);
        Assert.Equal(forceId, resolution.Force.Id);
        Assert.False(resolution.LocationUncertain);
        Assert.Empty(resolution.OtherCandidates);
    }

    [Theory]
    [InlineData("B45", "west-midlands", "west-mercia")]
    [InlineData("B78", "warwickshire", "staffordshire")]
    [InlineData("CV7", "warwickshire", "west-midlands")]
    [InlineData("HR3", "west-mercia", "dyfed-powys")]
    [InlineData("TD12", "police-scotland", "northumbria")]
    [InlineData("EC1A", "city-of-london", "metropolitan")]
    [InlineData("st7", "staffordshire", "cheshire")]
    public void An_outward_code_in_a_straddling_district_takes_the_largest_share_and_is_uncertain(
        string outward, string forceId, string otherForceId)
    {
        var resolution = Resolve(outward);

        Assert.NotNull(resolution);
        Assert.Equal(forceId, resolution.Force.Id);
        Assert.True(resolution.LocationUncertain);
        Assert.Contains(resolution.OtherCandidates, c => c.Force.Id == otherForceId);
        Assert.DoesNotContain(resolution.OtherCandidates, c => c.Force.Id == forceId);
    }

    [Theory]
    [InlineData("B15", "west-midlands")]
    [InlineData("SW1A", "metropolitan")]
    [InlineData("EH1", "police-scotland")]
    [InlineData("BT1", "northern-ireland")]
    [InlineData("CF10", "south-wales")]
    public void An_outward_code_of_a_single_force_district_is_certain(string outward, string forceId)
    {
        var resolution = Resolve(outward);

        Assert.Equal(forceId, resolution!.Force.Id);
        Assert.False(resolution.LocationUncertain);
    }

    [Theory]
    [InlineData("ZZ9 9ZZ")]
    [InlineData("ZZ9")]
    [InlineData("GY1 1AA")]   // Guernsey: a Crown Dependency, not a UK force
    public void A_well_formed_postcode_in_no_known_district_resolves_to_no_force(string postcode)
    {
        Assert.Null(Resolve(postcode));
    }

    [Theory]
    [InlineData("b152tt", "B15 2TT", true)]
    [InlineData("B15 2TT", "B15 2TT", true)]
    [InlineData("ec1a1bb", "EC1A 1BB", true)]
    [InlineData("b15", "B15", false)]
    [InlineData("Sw1a", "SW1A", false)]
    [InlineData("gir 0aa", "GIR 0AA", true)]
    public void Postcodes_are_normalised_to_the_canonical_form(string text, string canonical, bool full)
    {
        Assert.True(UkPostcode.TryParse(text, out var postcode));
        Assert.Equal(canonical, postcode.Canonical);
        Assert.Equal(full, postcode.IsFull);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("B")]
    [InlineData("15 2TT")]
    [InlineData("B15 2T")]
    [InlineData("B15  2TT")]
    [InlineData("B1 52TT")]
    [InlineData("B15-2TT")]
    [InlineData("BBB15 2TT")]
    [InlineData("B15 2TTX")]
    [InlineData("<script>")]
    [InlineData("B15 2TT; DROP TABLE")]
    [InlineData("１２３")]
    public void Malformed_postcodes_do_not_parse(string text)
    {
        Assert.False(UkPostcode.TryParse(text, out _));
    }

    [Fact]
    public void The_directory_holds_every_UK_territorial_force_with_its_region()
    {
        var territorial = Directory.Forces.Where(f => f.Territorial).ToList();

        Assert.Equal(45, territorial.Count);
        Assert.Equal(43, territorial.Count(f => f.Country is "England" or "Wales"));
        Assert.Equal("Scotland", Directory.Find("police-scotland")!.Country);
        Assert.Equal("Northern Ireland", Directory.Find("northern-ireland")!.Country);
        Assert.Null(Directory.Find("metropolitan")!.RegionalUnit);
        Assert.Equal("City of London Police", Directory.Find("city-of-london")!.Name);
        Assert.Equal(2_944, Directory.DistrictCount);
        Assert.Equal(33_114, Directory.ExceptionCount);
    }

    [Fact]
    public void Every_exception_unit_resolves_to_its_listed_force()
    {
        using var reader = new StreamReader(typeof(ForceDirectory).Assembly
            .GetManifestResourceStream("ReferralIntake.Data.postcode-exceptions.csv")!);
        _ = reader.ReadLine();
        var checkedUnits = 0;
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            Assert.Equal(line[(comma + 1)..], Resolve(line[..comma])!.Force.Id);
            checkedUnits++;
        }

        Assert.Equal(33_114, checkedUnits);
    }

    private const string Forces = "force_id,pfa_code,police_uk_id,name,ons_pfa_name,country,region,territorial\n"
        + "west-mercia,E23000016,west-mercia,West Mercia Police,West Mercia,England,,true\n"
        + "staffordshire,E23000015,staffordshire,Staffordshire Police,Staffordshire,England,,true\n";

    private const string Districts = "district,force_id,pfa_code,police_uk_id,share\n";

    [Fact]
    public void The_postcode_files_are_read_with_windows_line_ends_and_no_final_newline()
    {
        var directory = ForceDirectory.Load(
            new StringReader(Forces),
            new StringReader(Districts + "WR1,west-mercia,E23000016,west-mercia,1.0\r\nB78,west-mercia,E23000016,west-mercia,0.6\r\nB78,staffordshire,E23000015,staffordshire,0.4"),
            new StringReader("postcode,force_id\r\nB78 2AA,staffordshire"));

        Assert.Equal(2, directory.DistrictCount);
        Assert.Equal("staffordshire", directory.Resolve(UkPostcode.TryParse("B78 2AA", out var unit) ? unit : null!)!.Force.Id);
        Assert.Equal("west-mercia", directory.Resolve(UkPostcode.TryParse("B78 3ZZ", out var other) ? other : null!)!.Force.Id);
    }

    [Theory]
    [InlineData("B78 2AA,\"staffordshire\"", "quotes no field")]
    [InlineData("B78 2AA,staffordshire,extra", "must be 'postcode,force_id'")]
    [InlineData("B78 2AA,nowhere-police", "Unknown force_id 'nowhere-police'")]
    public void A_malformed_exception_row_stops_the_load_and_says_why(string row, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => ForceDirectory.Load(
            new StringReader(Forces),
            new StringReader(Districts + "B78,west-mercia,E23000016,west-mercia,1.0\n"),
            new StringReader($"postcode,force_id\n{row}\n")));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
