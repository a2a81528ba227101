using System.Collections.Frozen;

namespace ReferralIntake.Domain.Reports;

/// <summary>The contract's camelCase names for roles and indicators, both ways.</summary>
public static class WireNames
{
    public static readonly FrozenDictionary<string, ReporterRole> Roles = Build<ReporterRole>();
    public static readonly FrozenDictionary<string, Indicator> Indicators = Build<Indicator>();

    private static readonly FrozenDictionary<ReporterRole, string> RoleNames = Roles.ToFrozenDictionary(p => p.Value, p => p.Key);
    private static readonly FrozenDictionary<Indicator, string> IndicatorNames = Indicators.ToFrozenDictionary(p => p.Value, p => p.Key);

    public static string Of(ReporterRole role) => RoleNames[role];

    public static string Of(Indicator indicator) => IndicatorNames[indicator];

    private static FrozenDictionary<string, T> Build<T>() where T : struct, Enum =>
        Enum.GetValues<T>().ToFrozenDictionary(v => CamelCase(v.ToString()), v => v, StringComparer.Ordinal);

    private static string CamelCase(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal[1..];
}
