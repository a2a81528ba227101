using Azure;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// One referral as triage and delivery work on it for one queue message: read once (state with its
/// ETag, and the report), saved with that ETag, and its audit entries gathered to be written in one
/// block at the end. Keeps the storage calls per message few (see docs/benchmarks.md).
/// </summary>
public sealed class ReferralWork(ReferralState state, ETag? etag, ConcernReport report)
{
    public string Reference => State.Reference;

    public ReferralState State { get; set; } = state;

    /// <summary>The version of state.json that <see cref="State"/> came from; null before it exists.</summary>
    public ETag? ETag { get; set; } = etag;

    /// <summary>Whether state.json existed when the work was read: if not, the audit trail starts now.</summary>
    public bool Fresh { get; } = etag is null;

    public ConcernReport Report { get; } = report;

    public List<AuditEntry> Audit { get; } = [];
}
