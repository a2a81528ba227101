using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ReferralIntake.Domain.Postcodes;

/// <summary>
/// A well-formed UK postcode: a full unit (<c>B15 2TT</c>) or its outward code alone (<c>B15</c>).
/// Parsing accepts any case and an optional space, and keeps the canonical form
/// (upper case, one space before the inward code).
/// </summary>
public sealed partial record UkPostcode
{
    private UkPostcode(string outward, string? inward)
    {
        Outward = outward;
        Inward = inward;
        Canonical = inward is null ? outward : $"{outward} {inward}";
        DistrictKey = PostcodeKey.Of(outward);
        UnitKey = inward is null ? 0 : PostcodeKey.Of(outward + inward);
    }

    /// <summary>The outward code, i.e. the postcode district (<c>B15</c>).</summary>
    public string Outward { get; }

    /// <summary>The inward code (<c>2TT</c>), or null when only the outward code was given.</summary>
    public string? Inward { get; }

    public bool IsFull => Inward is not null;

    public string Canonical { get; }

    internal long DistrictKey { get; }

    internal long UnitKey { get; }

    public override string ToString() => Canonical;

    /// <summary>
    /// A postcode that was well formed when its report was accepted, restored from storage as it was
    /// kept: the format rules are not applied again, so a rule tightened later cannot strand a report
    /// accepted under the old one. Null for text that is not a postcode's shape at all.
    /// </summary>
    public static UkPostcode? Restore(string? canonical)
    {
        if (string.IsNullOrWhiteSpace(canonical) || canonical.Length > 10
            || !canonical.All(c => c is ' ' or (>= 'A' and <= 'Z') or (>= '0' and <= '9')))
        {
            return null;
        }

        var parts = canonical.Split(' ');
        return parts.Length switch
        {
            1 => new UkPostcode(parts[0], null),
            2 when parts[0].Length > 0 && parts[1].Length > 0 => new UkPostcode(parts[0], parts[1]),
            _ => null,
        };
    }

    public static bool TryParse(string? text, [NotNullWhen(true)] out UkPostcode? postcode)
    {
        postcode = null;
        if (text is null || text.Length > 10)
        {
            return false;
        }

        var trimmed = text.Trim();
        var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
        if (space >= 0 && trimmed.IndexOf(' ', space + 1) >= 0)
        {
            return false; // at most one space, between outward and inward codes
        }

        var compact = trimmed.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        if (FullPattern().IsMatch(compact))
        {
            var outward = compact[..^3];
            if (space >= 0 && space != outward.Length)
            {
                return false; // a space in the wrong place, such as "B1 52TT"
            }

            postcode = new UkPostcode(outward, compact[^3..]);
            return true;
        }

        if (space < 0 && OutwardPattern().IsMatch(compact))
        {
            postcode = new UkPostcode(compact, null);
            return true;
        }

        if (compact == "GIR0AA")
        {
            postcode = new UkPostcode("GIR", "0AA"); // Girobank's special code: well formed, routes nowhere
            return true;
        }

        return false;
    }

    [GeneratedRegex("^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex FullPattern();

    [GeneratedRegex("^[A-Z]{1,2}[0-9][A-Z0-9]?$", RegexOptions.CultureInvariant)]
    private static partial Regex OutwardPattern();
}

/// <summary>Packs up to 10 postcode characters (A-Z, 0-9) into a long, so the directory's
/// tables are keyed by numbers and a lookup allocates nothing.</summary>
internal static class PostcodeKey
{
    public static long Of(ReadOnlySpan<char> compactUpper)
    {
        long key = 0;
        foreach (var c in compactUpper)
        {
            if (c == ' ')
            {
                continue;
            }

            var code = c switch
            {
                >= 'A' and <= 'Z' => c - 'A' + 1,
                >= '0' and <= '9' => c - '0' + 27,
                _ => throw new ArgumentException("Postcode keys take only A-Z and 0-9.", nameof(compactUpper)),
            };
            key = (key << 6) | (long)code;
        }

        return key;
    }
}
