using System.Text.Json.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Api;

// The partner contract (../../../shared/API.md, version 1) as wire types. Requests are read and
// validated by the domain's ConcernReportReader (which rejects unknown fields); these request types
// describe the body in the OpenAPI document and write a stored report back out in the same shape.

public sealed record ReferralRequest(ReporterBody Reporter, ChildBody? Child, ConcernBody Concern, SuspectBody? Suspect);

public sealed record ReporterBody(string Role, string? Name, string? Email, string? Phone, bool? ContactConsent);

public sealed record ChildBody(string? FirstName, int? Age, string? Postcode);

public sealed record ConcernBody(string Description, IReadOnlyList<string>? Platforms, IReadOnlyList<string>? Indicators, DateTimeOffset? MeetingAt);

public sealed record SuspectBody(IReadOnlyList<string>? Usernames, string? Platform, int? ApproximateAge, string? Location);

/// <summary>The 202 answer: a reference, and safety advice to show at once.</summary>
public sealed record AcceptedReferral(string Reference, string Status, string StatusUrl, IReadOnlyList<AdviceBody> Advice);

/// <summary>One piece of safety advice. <c>kind</c> names it (the contract's; <c>blackmail</c> is this service's
/// addition); <c>text</c> is all of it in the answer's language, its steps in order after the first sentence.</summary>
public sealed record AdviceBody(string Kind, string Text);

/// <summary>The status answer. <see cref="Triage"/> is absent until triage has run.</summary>
public sealed record ReferralStatusBody(
    string Reference,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TriageBody? Triage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FailureReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AuditEntry>? Audit,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Sandbox = null);

public sealed record TriageBody(string Priority, IReadOnlyList<string> Reasons, IReadOnlyList<RouteBody> Routes, DateTimeOffset DecidedAt);

/// <summary>One route. Police fields are present only on <c>police-force</c> routes; the hand-off fields
/// (<c>state</c>, <c>attempts</c>, <c>nextAttemptAt</c> while retrying, <c>deliveredAt</c>,
/// <c>acknowledgedAt</c>, <c>escalated</c> with its reason) once triage has started it (API.md, "Status, per route").</summary>
public sealed record RouteBody(
    string Kind,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ForceId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ForceName = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RegionalUnit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? LocationUncertain = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? NotifyRegionalUnit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CandidateForce>? OtherCandidates = null,
    string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? State = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Attempts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? NextAttemptAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? DeliveredAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? AcknowledgedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Escalated = null);

public sealed record CandidateForce(string ForceId, string ForceName, double Share);
