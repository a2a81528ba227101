using System.Text.Json;
using ReferralIntake.Domain.Advice;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Api;

/// <summary>Between the domain's types and the wire types of the contract.</summary>
public static class ContractMapping
{
    /// <summary>The app's one source-generated context, for callers that need options rather than a type's metadata.</summary>
    public static JsonSerializerOptions Json => AppJsonContext.Default.Options;

    /// <summary>A validated report, written back in contract-v1 shape (read again by ConcernReportReader).</summary>
    public static ReferralRequest ToRequest(ConcernReport report) => new(
        new ReporterBody(WireNames.Of(report.Reporter.Role), report.Reporter.Name, report.Reporter.Email, report.Reporter.Phone,
            report.Reporter.ContactConsent),
        new ChildBody(report.Child.FirstName, report.Child.Age, report.Child.Postcode?.Canonical),
        new ConcernBody(report.Concern.Description, report.Concern.Platforms, [.. report.Concern.Indicators.Select(WireNames.Of)],
            report.Concern.MeetingAt),
        new SuspectBody(report.Suspect.Usernames, report.Suspect.Platform, report.Suspect.ApproximateAge, report.Suspect.Location));

    /// <summary>The advice for a report, in the catalogue's language (the API's Accept-Language; the form's page).</summary>
    public static IReadOnlyList<AdviceBody> ToAdvice(ConcernReport report, Localisation.Catalogue language) =>
        [.. AcknowledgementAdvice.For(report).Select(a => new AdviceBody(a.Kind, string.Join(' ', a.StepKeys.Prepend(a.TextKey).Select(key => language[key]))))];

    /// <summary>The decision as the status endpoint and partner callbacks show it: every route, those added
    /// after triage (CEOP on escalation or as a fallback) included, each with its hand-off.</summary>
    public static TriageBody? ToTriageBody(ReferralState state) => state.Triage is not { } decision ? null : new(
        decision.Priority.ToString(),
        decision.Reasons,
        [.. state.AllRoutes.Select(route => WithHandOff(ToBody(route), state.DeliveryOf(RouteKeys.KeyOf(route))))],
        decision.DecidedAt);

    private static RouteBody WithHandOff(RouteBody route, RouteDelivery? delivery) => delivery is null ? route : route with
    {
        State = delivery.State.Wire(),
        Attempts = delivery.State == RouteState.Recorded ? null : delivery.Attempts,
        NextAttemptAt = delivery.State == RouteState.Retrying ? delivery.NextAttemptAt : null,
        DeliveredAt = delivery.State == RouteState.Recorded ? null : delivery.DeliveredAt,
        AcknowledgedAt = delivery.AcknowledgedAt,
        Escalated = delivery.Escalated,
    };

    public static TriageBody ToBody(TriageDecision decision) => new(
        decision.Priority.ToString(),
        decision.Reasons,
        [.. decision.Routes.Select(ToBody)],
        decision.DecidedAt);

    public static RouteBody ToBody(ReferralIntake.Domain.Triage.Route route) => route.Kind == RouteKind.PoliceForce
        ? new RouteBody(
            route.KindName,
            route.Force!.Id,
            route.Force.Name,
            route.Force.RegionalUnit,
            route.LocationUncertain,
            route.NotifyRegionalUnit,
            [.. route.OtherCandidates.Select(c => new CandidateForce(c.Force.Id, c.Force.Name, c.Share))],
            route.Reason)
        : new RouteBody(route.KindName, Reason: route.Reason);
}
