using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using ReferralIntake.Domain.Forces;

namespace ReferralIntake.Domain.Links;

/// <summary>A platform an account can be linked on (Data/platforms.csv): the id it is kept under, and where its profiles live.</summary>
/// <param name="ProfilePaths">Paths of a profile address with <c>{handle}</c> in them (e.g. <c>/add/{handle}</c>), on any of <paramref name="ProfileHosts"/>.</param>
public sealed record Platform(string Id, string Name, ImmutableArray<string> ProfileHosts, ImmutableArray<string> ProfilePaths);

/// <summary>
/// The platforms of Data/platforms.csv, looked up by any name or spelling people type for them
/// (<c>Snapchat</c>, <c>snap</c>, <c>snapchat.com</c> are one platform), and by profile address.
/// </summary>
public sealed class PlatformDirectory
{
    private static readonly Lazy<PlatformDirectory> Shared = new(LoadEmbedded);

    private readonly FrozenDictionary<string, Platform> _byTypedName;
    private readonly FrozenDictionary<string, Platform> _byHost;

    private PlatformDirectory(IReadOnlyList<(Platform Platform, IEnumerable<string> Names)> rows)
    {
        Platforms = rows.Select(r => r.Platform).ToList();
        _byTypedName = rows.SelectMany(r => r.Names.Select(Fold).Distinct(StringComparer.Ordinal).Select(n => (Name: n, r.Platform)))
            .ToFrozenDictionary(x => x.Name, x => x.Platform, StringComparer.Ordinal);
        _byHost = rows.SelectMany(r => r.Platform.ProfileHosts.Select(h => (Host: h, r.Platform)))
            .ToFrozenDictionary(x => x.Host, x => x.Platform, StringComparer.OrdinalIgnoreCase);
    }

    public static PlatformDirectory Default => Shared.Value;

    public IReadOnlyList<Platform> Platforms { get; }

    /// <summary>The platform a typed name means, or null when it is not on the list.</summary>
    public Platform? Find(string? typed) =>
        typed is null ? null : _byTypedName.GetValueOrDefault(Fold(StripAddress(typed)));

    /// <summary>
    /// A profile address on a listed platform, read as (platform, handle as written); null when the text is
    /// not such an address. Scheme, <c>www.</c>, a query, a fragment and a trailing slash do not matter.
    /// </summary>
    public (Platform Platform, string Handle)? FromProfileAddress(string text)
    {
        var address = text.Trim();
        var schemeEnd = address.IndexOf("://", StringComparison.Ordinal);
        address = schemeEnd >= 0 ? address[(schemeEnd + 3)..] : address;
        address = address.Split('?', '#')[0].TrimEnd('/');
        var slash = address.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !_byHost.TryGetValue(address[..slash], out var platform))
        {
            return null;
        }

        var path = address[slash..];
        foreach (var pattern in platform.ProfilePaths)
        {
            var at = pattern.IndexOf("{handle}", StringComparison.Ordinal);
            var (prefix, suffix) = (pattern[..at], pattern[(at + "{handle}".Length)..]);
            if (path.Length > prefix.Length + suffix.Length && path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                var handle = path[prefix.Length..^suffix.Length];
                if (!handle.Contains('/', StringComparison.Ordinal))
                {
                    return (platform, Uri.UnescapeDataString(handle));
                }
            }
        }

        return null;
    }

    /// <summary>Whether the text looks like a web address at all (a scheme, or a listed platform's host before a slash).</summary>
    public static bool LooksLikeAddress(string text)
    {
        var t = text.Trim();
        return t.Contains("://", StringComparison.Ordinal)
            || (t.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 && t[..slash].Contains('.', StringComparison.Ordinal));
    }

    /// <summary>Case folded (compatibility forms first), runs of spaces made one, trimmed.</summary>
    internal static string Fold(string text) =>
        string.Join(' ', text.Normalize(NormalizationForm.FormKC).ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A platform typed as an address ("https://www.snapchat.com/") is its host.</summary>
    private static string StripAddress(string typed)
    {
        var t = typed.Trim();
        var schemeEnd = t.IndexOf("://", StringComparison.Ordinal);
        t = schemeEnd >= 0 ? t[(schemeEnd + 3)..] : t;
        t = t.TrimEnd('/');
        return t.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? t[4..] : t;
    }

    private static PlatformDirectory LoadEmbedded()
    {
        using var stream = typeof(PlatformDirectory).Assembly.GetManifestResourceStream("ReferralIntake.Data.platforms.csv")
            ?? throw new InvalidOperationException("The embedded platforms.csv is missing.");
        using var reader = new StreamReader(stream);
        return new PlatformDirectory(Csv.ReadRows(reader).Select(Row).ToList());
    }

    private static (Platform, IEnumerable<string>) Row(string[] f)
    {
        static ImmutableArray<string> List(string cell) => [.. cell.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var platform = new Platform(f[0], f[1], List(f[3]), List(f[4]));
        return (platform, [f[0], f[1], .. List(f[2])]);
    }
}
