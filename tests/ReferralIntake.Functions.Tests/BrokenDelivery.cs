using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Tests;

/// <summary>For test hand-offs that fail as a bug would: the decision is recorded first, as the real hand-off's first write does.</summary>
internal static class BrokenDelivery
{
    public static Task RecordDecisionAsync(ReferralStateStore store, ReferralWork work, TriageDecision? decision, CancellationToken ct) =>
        store.SaveAsync(work, s => s.Triage is null && decision is not null ? s with { Status = ReferralStatus.Triaged, Triage = decision } : null, ct);
}
