using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ReferralIntake.Functions.Intake;

/// <summary>
/// Referral references such as RI-7K3M-9QX2-PTW4: 60 random bits in Crockford's base 32 (no I, L, O, U),
/// so a parent can read one down a phone line without confusion and nobody can guess another's.
/// </summary>
public static partial class References
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var bits = BitConverter.ToUInt64(bytes);
        Span<char> chars = stackalloc char[12];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[(int)(bits & 31)];
            bits >>= 5;
        }

        return $"RI-{chars[..4]}-{chars[4..8]}-{chars[8..]}";
    }

    public static bool IsWellFormed(string? reference) => reference is { Length: 17 } && Pattern().IsMatch(reference);

    [GeneratedRegex("^RI-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
