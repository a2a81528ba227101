using System.Text.Json;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Telemetry;

namespace ReferralIntake.Functions.Links;

/// <summary>
/// Link notices (TRIAGE.md, "Linked reports"; API.md, "Linked referrals"): when a later referral links to earlier
/// ones, each earlier referral's force is told, once per pair. Made at the later referral's triage, after its decision
/// and links are saved: a <see cref="LinkNotice"/> in the earlier referral's state (so a retried triage finds it and
/// makes no second), then a message on the deliveries queue. Sent like a referral: a signed POST to the force's
/// webhook (Idempotency-Key <c>{reference}:link:{otherReference}</c>), tried again on the hand-off's schedule for 72
/// hours from the notice; or, for a force that pulls, listed (link-notices/{force}/{reference}/{other}) until it
/// fetches it. Each step has its line in the earlier referral's audit trail, which the partner never sees. A notice
/// never names a referral erased meanwhile; one whose later referral was erased is withdrawn.
/// </summary>
public sealed partial class LinkNotices(
    ReferralStateStore store,
    Destinations destinations,
    LocalInboxMode inboxMode,
    WebhookSender sender,
    DeliverySchedule schedule,
    HandOffPolicy policy,
    DeliveryOptions options,
    ErasureRegistry erasures,
    StorageClients storage,
    TimeProvider clock,
    ILogger<LinkNotices> log)
{
    public const string ListPrefix = "link-notices/";

    public static string ListEntryPath(string forceId, string reference, string from) => $"{ListPrefix}{forceId}/{reference}/{from}";

    public static string IdempotencyKeyOf(string reference, string from) => $"{reference}:link:{from}";

    /// <summary>True for an audit line about a link notice: kept for operators, never shown to the partner.</summary>
    public static bool IsNoticeLine(AuditEntry line) => line.Destination?.StartsWith(LinkNotice.KeyPrefix, StringComparison.Ordinal) == true;

    /// <summary>
    /// At a later referral's triage, once its decision and links are saved: the notice owed to each earlier referral
    /// it links to, made once per pair, and its first try scheduled (again, if a try of this triage died before).
    /// </summary>
    public async Task CreateForAsync(ReferralWork later, CancellationToken ct)
    {
        var state = later.State;
        if (state is not { Sandbox: false, Triage: { } decision, Links.Linked: { Count: > 0 } linked }
            || LinkedReferral.Of(state.Reference, state.ReceivedAt, decision) is not { } own)
        {
            return;
        }

        foreach (var earlier in linked.SelectMany(a => a.Referrals).Select(r => r.Reference).Distinct(StringComparer.Ordinal).ToList())
        {
            // What the earlier force learns: this referral, and the others this one was linked to by the same account.
            List<LinkedAccount> named = [.. linked.Where(a => a.Referrals.Any(r => r.Reference == earlier))
                .Select(a => new LinkedAccount(a.Platform, [own, .. a.Referrals.Where(r => r.Reference != earlier)]))];
            var indexedHolder = linked.SelectMany(a => a.Referrals).First(r => r.Reference == earlier).ForceId;
            var now = clock.GetUtcNow();
            ReferralState? saved;
            try
            {
                saved = await store.UpdateStateAsync(earlier, s => s.Notices?.ContainsKey(state.Reference) == true ? null
                    : WithNotice(s, new LinkNotice(state.Reference, HolderOf(s, indexedHolder), now, named, new RouteDelivery(RouteState.Pending))),
                    ct, [new AuditEntry(now, "link-notice-created", $"{state.Reference} names an account this referral names", LinkNotice.KeyPrefix + state.Reference, RouteState.Pending.Wire())])
                    .ConfigureAwait(false);
            }
            catch (ReferralErasedException e) when (e.Reference == earlier)
            {
                continue; // the earlier one was erased meanwhile (not this one: its triage goes on)
            }

            if (saved?.Notices?.GetValueOrDefault(state.Reference)?.Delivery is { Final: false } d)
            {
                await schedule.ScheduleAsync(new DeliveryMessage(earlier, Notice: state.Reference), d.NextAttemptAt ?? now, ct).ConfigureAwait(false);
            } // (no state: erased, or swept by retention, since it was found; nobody is told about it)
        }
    }

    /// <summary>From the deliveries queue: one try of the notice a later referral (<paramref name="from"/>) owes this referral's force.</summary>
    public async Task DeliverAsync(ReferralWork work, string from, CancellationToken ct)
    {
        if (work.State.Notices?.GetValueOrDefault(from) is not { Delivery.Final: false } notice)
        {
            return; // settled, withdrawn, or unknown
        }

        var now = clock.GetUtcNow();
        if (notice.Delivery.NextAttemptAt is { } due && due > now)
        {
            await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, Notice: from), due, ct).ConfigureAwait(false);
            return;
        }

        // Claimed before it is sent, as a route is: no two workers send it at once.
        if (!await store.SaveAsync(work, s => s.Notices?.GetValueOrDefault(from) is { Delivery: { Final: false } d } n && !d.ClaimedAt(now)
            ? WithNotice(s, n with { Delivery = d with { ClaimedUntil = now + TimeSpan.FromSeconds(options.ClaimSeconds) } })
            : null, ct).ConfigureAwait(false))
        {
            if (work.State.Notices?.GetValueOrDefault(from)?.Delivery is { Final: false, ClaimedUntil: { } until })
            {
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, Notice: from), until, ct).ConfigureAwait(false);
            }

            return;
        }

        notice = work.State.Notices![from];
        if (await DocumentAsync(work.State, notice, ct).ConfigureAwait(false) is not { } document)
        {
            await WithdrawAsync(work, from, ct).ConfigureAwait(false);
            return;
        }

        var attempts = new List<DeliveryAttempt>();
        DeliveryFailedException? failure = null;
        var delivered = false;
        try
        {
            delivered = await SendAsync(work.State, notice, document, attempts, ct).ConfigureAwait(false);
        }
        catch (DeliveryFailedException e) when (!ct.IsCancellationRequested)
        {
            failure = e;
        }

        var at = clock.GetUtcNow();
        var calls = attempts.Where(a => a.Outcome != "circuit-open").ToList();
        await store.SaveAsync(work, s =>
        {
            if (s.Notices?.GetValueOrDefault(from) is not { Delivery: { Final: false } d } n)
            {
                return null; // fetched meanwhile: never undone
            }

            var attemptsSoFar = d.Attempts + (delivered || calls.Count > 0 ? 1 : 0); // an open breaker's non-call spends no chance
            var next = failure is null
                ? delivered
                    ? d with { State = RouteState.Delivered, Attempts = attemptsSoFar, DeliveredAt = at, NextAttemptAt = null, ClaimedUntil = null, LastError = null }
                    : d with { NextAttemptAt = null, ClaimedUntil = null, LastError = null } // listed: the force's fetch delivers it
                : policy.NextAttempt(n.CreatedAt, at, Math.Max(attemptsSoFar, 1), failure.CircuitOpen ? null : failure.RetryAfter) is { } retryAt
                    ? d with { State = RouteState.Retrying, Attempts = attemptsSoFar, NextAttemptAt = retryAt, ClaimedUntil = null, LastError = failure.Message }
                    : d with { State = RouteState.Undeliverable, Attempts = attemptsSoFar, NextAttemptAt = null, ClaimedUntil = null, LastError = failure.Message };
            List<AuditEntry> lines = [.. calls.Select(a => ReferralDelivery.CallLine(a, n.AuditKey, attemptsSoFar))];
            lines.Add(next.State switch
            {
                RouteState.Delivered => new AuditEntry(at, "link-notice-delivered", $"to {n.ForceId}", n.AuditKey, next.State.Wire(), Attempt: next.Attempts),
                RouteState.Retrying => new AuditEntry(at, "retry-scheduled", $"{failure!.Message}; next attempt {next.NextAttemptAt:O}", n.AuditKey, next.State.Wire(), Attempt: next.Attempts),
                RouteState.Undeliverable => new AuditEntry(at, "undeliverable", failure!.Message, n.AuditKey, next.State.Wire(), Attempt: next.Attempts),
                _ => new AuditEntry(at, "available-to-pull", $"{n.ForceId} collects its link notices through the force API", n.AuditKey, next.State.Wire()),
            });
            return ReferralStateStore.WithLines(WithNotice(s, n with { Delivery = next }), lines);
        }, ct).ConfigureAwait(false);

        switch (work.State.Notices![from].Delivery)
        {
            case { State: RouteState.Retrying, NextAttemptAt: { } retryAt }:
                ReferralTelemetry.RetriesScheduled.Add(1, new KeyValuePair<string, object?>("route", "link-notice"));
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, Notice: from), retryAt, ct).ConfigureAwait(false);
                break;
            case { State: RouteState.Undeliverable }:
                ReferralTelemetry.Undeliverable.Add(1, new KeyValuePair<string, object?>("route", "link-notice"));
                LogUndeliverable(log, work.Reference, from);
                break;
        }
    }

    /// <summary>
    /// A force fetched a link notice (force API): the signed body, its first fetch the delivery, off the force's list.
    /// Null when there is no such notice for the force, or it was withdrawn.
    /// </summary>
    public async Task<byte[]?> FetchAsync(string reference, string from, string forceId, CancellationToken ct)
    {
        if (await store.LoadWorkAsync(reference, ct).ConfigureAwait(false) is not { } work
            || work.State.Notices?.GetValueOrDefault(from) is not { } notice || notice.ForceId != forceId)
        {
            return null;
        }

        try
        {
            if (await DocumentAsync(work.State, notice, ct).ConfigureAwait(false) is not { } document)
            {
                await WithdrawAsync(work, from, ct).ConfigureAwait(false);
                return null;
            }

            var now = clock.GetUtcNow();
            await store.SaveAsync(work, s => s.Notices?.GetValueOrDefault(from) is { Delivery: { Final: false } d } n
                ? ReferralStateStore.WithLines(WithNotice(s, n with { Delivery = d with { State = RouteState.Delivered, Attempts = d.Attempts + 1, DeliveredAt = now, ClaimedUntil = null } }),
                    [new AuditEntry(now, "link-notice-delivered", $"fetched by {forceId}", n.AuditKey, RouteState.Delivered.Wire(), Attempt: d.Attempts + 1)])
                : null, ct).ConfigureAwait(false);
            await storage.Container.DeleteBlobIfExistsAsync(ListEntryPath(forceId, reference, from), cancellationToken: ct).ConfigureAwait(false);
            return document;
        }
        catch (ReferralErasedException)
        {
            return null;
        }
    }

    /// <summary>The link notices awaiting a force that pulls (or the local inbox): one listing.</summary>
    public async Task<IReadOnlyList<(string Reference, string From)>> ListAsync(string forceId, CancellationToken ct)
    {
        var found = new List<(string, string)>();
        var prefix = $"{ListPrefix}{forceId}/";
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).ConfigureAwait(false))
        {
            if (blob.Name[prefix.Length..].Split('/') is [var reference, var from])
            {
                found.Add((reference, from));
            }
        }

        return found;
    }

    /// <summary>Every list entry that names the referral, as the one notified or as the one notifying (for erasure and retention).</summary>
    public async Task<IReadOnlyList<string>> EntryNamesOfAsync(string reference, CancellationToken ct)
    {
        var names = new List<string>();
        await foreach (var blob in storage.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = ListPrefix }, ct).ConfigureAwait(false))
        {
            if (blob.Name.Split('/') is [_, _, var notified, var from] && (notified == reference || from == reference))
            {
                names.Add(blob.Name);
            }
        }

        return names;
    }

    /// <summary>The notice's body as the force receives it, naming only referrals still kept; null when its later referral was erased.</summary>
    private async Task<byte[]?> DocumentAsync(ReferralState state, LinkNotice notice, CancellationToken ct)
    {
        var erased = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in notice.Links.SelectMany(a => a.Referrals).Select(r => r.Reference).Distinct(StringComparer.Ordinal))
        {
            if (await erasures.IsErasedAsync(reference, ct).ConfigureAwait(false))
            {
                erased.Add(reference);
            }
        }

        if (erased.Contains(notice.From))
        {
            return null;
        }

        List<LinkedAccount> links = [.. notice.Links.Select(a => a with { Referrals = [.. a.Referrals.Where(r => !erased.Contains(r.Reference))] })];
        // The force's police route is asked to tell its regional unit, as a referral's document would be (CEOP has none).
        var reason = notice.ForceId == "ceop" ? null : ReferralDocument.RegionalUnitReason(links, LinkedReferral.HolderName(notice.ForceId));
        return JsonSerializer.SerializeToUtf8Bytes(
            new LinkNoticeDocument(LinkNoticeDocument.NoticeKind, ReferralDocument.Version, state.Reference, links, reason is null ? null : true, reason),
            AppJsonContext.Default.LinkNoticeDocument);
    }

    /// <summary>Sends the notice; true when the force has it, false when it is listed for a force that pulls.</summary>
    private async Task<bool> SendAsync(ReferralState state, LinkNotice notice, byte[] document, List<DeliveryAttempt> attempts, CancellationToken ct)
    {
        if (destinations.For(notice.ForceId) is { } destination)
        {
            if (destination.Pull)
            {
                await AddToListAsync(notice, state.Reference, ct).ConfigureAwait(false);
                return false;
            }

            await sender.SendAsync(destination, state.Reference, IdempotencyKeyOf(state.Reference, notice.From), document, attempts, ct).ConfigureAwait(false);
            return true;
        }

        if (inboxMode.Enabled)
        {
            // Local development: listed in the local inbox, as a referral is kept there.
            await AddToListAsync(notice, state.Reference, ct).ConfigureAwait(false);
            attempts.Add(new DeliveryAttempt(1, clock.GetUtcNow(), "delivered", null, 0));
            return true;
        }

        throw new DeliveryFailedException($"No delivery endpoint is configured for {notice.ForceId} (set Destinations__{notice.ForceId}__Url or Destinations__default__Url).");
    }

    private async Task AddToListAsync(LinkNotice notice, string reference, CancellationToken ct)
    {
        var path = ListEntryPath(notice.ForceId, reference, notice.From);
        await storage.Container.GetBlobClient(path).UploadAsync(BinaryData.Empty, overwrite: true, ct).ConfigureAwait(false);
        await erasures.ThrowIfErasedAsync(reference, ct, path).ConfigureAwait(false);
    }

    private async Task WithdrawAsync(ReferralWork work, string from, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var forceId = work.State.Notices?.GetValueOrDefault(from)?.ForceId;
        if (await store.SaveAsync(work, s => s.Notices?.GetValueOrDefault(from) is { } n
            ? ReferralStateStore.WithLines(s with { Notices = s.Notices!.Where(x => x.Key != from).ToDictionary(x => x.Key, x => x.Value) },
                [new AuditEntry(now, "link-notice-withdrawn", "the other referral was erased", n.AuditKey)])
            : null, ct).ConfigureAwait(false))
        {
            await storage.Container.DeleteBlobIfExistsAsync(ListEntryPath(forceId ?? "", work.Reference, from), cancellationToken: ct).ConfigureAwait(false);
        }
    }

    private static ReferralState WithNotice(ReferralState s, LinkNotice notice) =>
        s with { Notices = new Dictionary<string, LinkNotice>(s.Notices ?? new Dictionary<string, LinkNotice>(), StringComparer.Ordinal) { [notice.From] = notice } };

    /// <summary>Who holds the referral now: its first police or CEOP route the force has not turned down or been unreachable on; else where it was indexed.</summary>
    private static string HolderOf(ReferralState s, string indexed) =>
        s.AllRoutes.Where(r => r.Kind is RouteKind.PoliceForce or RouteKind.Ceop)
            .FirstOrDefault(r => s.DeliveryOf(RouteKeys.KeyOf(r)) is not { State: RouteState.WrongArea or RouteState.Undeliverable }) is { } route
            ? route.Force?.Id ?? "ceop"
            : indexed;

    [LoggerMessage(Level = LogLevel.Error, Message = "Referral {Reference}: the link notice from {From} is undeliverable after the retry window")]
    private static partial void LogUndeliverable(ILogger logger, string reference, string from);
}
