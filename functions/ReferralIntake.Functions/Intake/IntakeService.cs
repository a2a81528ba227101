using System.Security.Cryptography;
using Polly;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Localisation;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Telemetry;

namespace ReferralIntake.Functions.Intake;

/// <summary>The outcome of one submission, whichever door it came through.</summary>
public abstract record IntakeOutcome
{
    /// <summary>Accepted now, or earlier under the same Idempotency-Key (the same answer either way), with the report as read.</summary>
    public sealed record Accepted(AcceptedReferral Answer, ConcernReport Report) : IntakeOutcome;

    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : IntakeOutcome;

    /// <summary>The Idempotency-Key was used before with a different body.</summary>
    public sealed record KeyReused : IntakeOutcome;

    /// <summary>The Idempotency-Key's referral was erased on request: nothing is stored again.</summary>
    public sealed record Erased : IntakeOutcome;

    /// <summary>Storage cannot be reached: nothing was accepted, try again later.</summary>
    public sealed record Unavailable(TimeSpan RetryAfter) : IntakeOutcome;
}

/// <summary>
/// The one intake path, for the partner API and the web form alike: validate, settle the
/// Idempotency-Key, store the report (claim check), record "received", enqueue the reference, and
/// answer with the reference and safety advice. A 202 is given only once the report is stored and queued.
/// </summary>
public sealed partial class IntakeService(
    ReportStore reports,
    IdempotencyStore idempotency,
    Partners partners,
    TriagePolicy policy,
    StorageClients storage,
    [FromKeyedServices(IntakeResilience.Key)] ResiliencePipeline resilience,
    TimeProvider clock,
    ILogger<IntakeService> log)
{
    /// <param name="language">The language the report was made in (the form's page, the API's Accept-Language): the
    /// advice comes back in it, and the force is told it.</param>
    public async Task<IntakeOutcome> SubmitAsync(string partnerId, ReadOnlyMemory<byte> body, string? idempotencyKey, Catalogue language, CancellationToken ct)
    {
        var read = ConcernReportReader.Read(body);
        if (read.Report is not { } report)
        {
            return new IntakeOutcome.Invalid(read.Errors);
        }

        try
        {
            return await AcceptAsync(partnerId, report, body, idempotencyKey, language, ct).ConfigureAwait(false);
        }
        catch (Exception e) when ((IntakeResilience.IsOutage(e) || e is Azure.RequestFailedException) && !ct.IsCancellationRequested)
        {
            // Any storage failure means nothing was accepted: say so with a 503, never a 202 or a bare 500.
            LogStorageUnavailable(log, partnerId, e is Azure.RequestFailedException r ? $"{r.Status} {r.ErrorCode}" : e.GetType().Name);
            return new IntakeOutcome.Unavailable(TimeSpan.FromSeconds(30));
        }
    }

    private async Task<IntakeOutcome> AcceptAsync(string partnerId, ConcernReport report, ReadOnlyMemory<byte> body, string? idempotencyKey, Catalogue language, CancellationToken ct)
    {
        var reference = References.New();
        await Run(storage.EnsureCreatedOnceAsync, ct).ConfigureAwait(false);
        (string KeyHash, IdempotencyRecord Record)? claim = null;
        if (idempotencyKey is not null)
        {
            var keyHash = Partners.HashKey(idempotencyKey);
            var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body.Span));
            var first = await Run(c => idempotency.ReadAsync(partnerId, keyHash, c), ct).ConfigureAwait(false);
            if (first is null)
            {
                var mine = new IdempotencyRecord(reference, bodyHash, clock.GetUtcNow());
                var claimed = await Run(c => idempotency.TryClaimAsync(partnerId, keyHash, mine, c), ct).ConfigureAwait(false);
                first = claimed ? null : await Run(c => idempotency.ReadAsync(partnerId, keyHash, c), ct).ConfigureAwait(false);
                claim = claimed ? (keyHash, mine) : null;
            }

            if (first is not null)
            {
                if (first.Erased)
                {
                    LogErasedRetry(log, first.Reference, partnerId);
                    return new IntakeOutcome.Erased();
                }

                if (first.BodySha256 != bodyHash)
                {
                    return new IntakeOutcome.KeyReused();
                }

                reference = first.Reference;

                // A retry never queues the referral again once its first attempt has. If that attempt has
                // not yet said so, it is either still under way (it takes milliseconds: give it a moment)
                // or it died before queueing: then this retry finishes it, so nothing is stranded.
                if (!first.Queued)
                {
                    first = await WaitUntilQueuedAsync(partnerId, keyHash, first, ct).ConfigureAwait(false);
                }

                if (first.Queued)
                {
                    LogReplayed(log, reference, partnerId);
                    return new IntakeOutcome.Accepted(Answer(reference, report, language), report);
                }

                // The first attempt stopped before queueing: finish it under the same reference (storing
                // again keeps the first copy).
                claim = (keyHash, first);
            }
        }

        // One blob (the report, with its "received" record) and one message: what storage itself costs.
        using var activity = ReferralTelemetry.Start("referral.submit", reference);
        var sandbox = partners.Find(partnerId)?.Sandbox == true;
        await Run(c => reports.StoreAsync(reference, partnerId, report, clock.GetUtcNow(), activity?.Id, claim?.KeyHash, c, sandbox, language.Code), ct).ConfigureAwait(false);
        await Run(c => LaneFor(report).SendMessageAsync(reference, c), ct).ConfigureAwait(false);
        if (claim is { } queued)
        {
            await Run(c => idempotency.MarkQueuedAsync(partnerId, queued.KeyHash, queued.Record, c), ct).ConfigureAwait(false);
        }

        ReferralTelemetry.Received.Add(1, new KeyValuePair<string, object?>("channel", sandbox ? "sandbox" : partnerId == Partners.WebFormPartnerId ? "web-form" : "api"));
        LogAccepted(log, reference, partnerId);
        return new IntakeOutcome.Accepted(Answer(reference, report, language), report);
    }

    /// <summary>How long a retry waits for a first attempt still under way to queue its referral (it takes milliseconds when alive).</summary>
    private static readonly TimeSpan FirstAttemptGrace = TimeSpan.FromSeconds(3);

    private async Task<IdempotencyRecord> WaitUntilQueuedAsync(string partnerId, string keyHash, IdempotencyRecord record, CancellationToken ct)
    {
        var until = DateTimeOffset.UtcNow + FirstAttemptGrace;
        while (!record.Queued && DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false); // polling a peer's progress, bounded
            record = await Run(c => idempotency.ReadAsync(partnerId, keyHash, c), ct).ConfigureAwait(false) ?? record;
        }

        return record;
    }

    /// <summary>
    /// The urgent lane for a report that is P1 on its own facts (immediate danger, or a meeting inside the
    /// P1 window), so no backlog of other referrals is ever in front of it; the referrals queue for the rest.
    /// The policy is pure: deciding here only chooses the queue; triage decides again and records it.
    /// </summary>
    private Azure.Storage.Queues.QueueClient LaneFor(ConcernReport report) =>
        policy.Decide(report).Priority == Priority.P1 ? storage.UrgentQueue : storage.Queue;

    private static AcceptedReferral Answer(string reference, ConcernReport report, Catalogue language) =>
        new(reference, ReferralStatus.Received.Wire(), $"/api/referrals/{reference}", ContractMapping.ToAdvice(report, language));

    private ValueTask<T> Run<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        resilience.ExecuteAsync(async c => await call(c).ConfigureAwait(false), ct);

    private ValueTask Run(Func<CancellationToken, Task> call, CancellationToken ct) =>
        resilience.ExecuteAsync(async c => await call(c).ConfigureAwait(false), ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} accepted from partner {PartnerId}")]
    private static partial void LogAccepted(ILogger logger, string reference, string partnerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} replayed for partner {PartnerId} (same Idempotency-Key)")]
    private static partial void LogReplayed(ILogger logger, string reference, string partnerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference} was erased on request; a retry from partner {PartnerId} with its Idempotency-Key was refused (410)")]
    private static partial void LogErasedRetry(ILogger logger, string reference, string partnerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storage unavailable at intake for partner {PartnerId} ({Error}); answered 503")]
    private static partial void LogStorageUnavailable(ILogger logger, string partnerId, string error);
}
