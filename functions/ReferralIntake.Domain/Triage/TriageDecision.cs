using System.Collections.Immutable;
using System.Text.Json.Serialization;
using ReferralIntake.Domain.Forces;

namespace ReferralIntake.Domain.Triage;

/// <summary>How urgent a report is. P1 is the most urgent.</summary>
public enum Priority
{
    /// <summary>Immediate: danger now, or a meeting within 72 hours.</summary>
    P1 = 1,

    /// <summary>High.</summary>
    P2 = 2,

    /// <summary>Standard: an indicator, none of them high.</summary>
    P3 = 3,

    /// <summary>Advice: no indicator ticked.</summary>
    P4 = 4,
}

public enum RouteKind
{
    PoliceForce,
    Ceop,
    Childline,
    NspccHelpline,
    ReportRemove,
}

/// <summary>One place a report goes. The police fields are set only on a <see cref="RouteKind.PoliceForce"/> route.</summary>
public sealed record Route(RouteKind Kind, string Reason)
{
    public PoliceForce? Force { get; init; }

    public bool LocationUncertain { get; init; }

    public bool NotifyRegionalUnit { get; init; }

    public IReadOnlyList<ForceShare> OtherCandidates { get; init; } = [];

    /// <summary>The contract's name for the kind (<c>police-force</c>, <c>report-remove</c>, …).</summary>
    [JsonIgnore]
    public string KindName => RouteKinds.Name(Kind);
}

public static class RouteKinds
{
    public static string Name(RouteKind kind) => kind switch
    {
        RouteKind.PoliceForce => "police-force",
        RouteKind.Ceop => "ceop",
        RouteKind.Childline => "childline",
        RouteKind.NspccHelpline => "nspcc-helpline",
        RouteKind.ReportRemove => "report-remove",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static RouteKind? Parse(string name) => name switch
    {
        "police-force" => RouteKind.PoliceForce,
        "ceop" => RouteKind.Ceop,
        "childline" => RouteKind.Childline,
        "nspcc-helpline" => RouteKind.NspccHelpline,
        "report-remove" => RouteKind.ReportRemove,
        _ => null,
    };
}

/// <summary>What triage decided, and why, in words a call handler can read.</summary>
/// <param name="Reasons">Every rule that applied, most urgent first; the first names the priority's cause.</param>
public sealed record TriageDecision(Priority Priority, ImmutableArray<string> Reasons, ImmutableArray<Route> Routes, DateTimeOffset DecidedAt)
{
    public bool Has(RouteKind kind) => Routes.Any(r => r.Kind == kind);
}

/// <summary>Where one route's delivery goes, and its key: the route kind, and the force for a police route.</summary>
public static class RouteKeys
{
    /// <summary>"police-force:west-mercia", "ceop", "childline": unique within a decision, stable across tries.</summary>
    public static string KeyOf(Route route) => route.Force is { } force ? $"{route.KindName}:{force.Id}" : route.KindName;

    /// <summary>The key of the route a force (or CEOP, "ceop") receives.</summary>
    public static string ForRecipient(string forceId) =>
        forceId == RouteKinds.Name(RouteKind.Ceop) ? forceId : $"{RouteKinds.Name(RouteKind.PoliceForce)}:{forceId}";
}
