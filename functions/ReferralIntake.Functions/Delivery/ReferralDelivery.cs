using System.Text.Json;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.TriageReferral;
using Route = ReferralIntake.Domain.Triage.Route;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// The hand-off of a triaged referral (TRIAGE.md, "Hand-off"): done when the destination has it.
/// Each route on its own: a police force or CEOP gets the signed referral document (its webhook; or,
/// for a force that pulls, its inbox, where its first fetch counts as delivered; or the local inbox in
/// development); Childline, NSPCC and Report Remove routes are recorded as advice
/// given. A route is claimed before it is sent (so no two workers send it), its outcome saved at once,
/// and a failure scheduled to be tried again (<see cref="HandOffPolicy.NextAttempt"/>) on the
/// deliveries queue, for 72 hours from acceptance; after that the route is undeliverable, operations
/// are alerted and CEOP gets it instead. When the destination itself is down (5xx, timeouts, its
/// breaker open) or asks for time (429), the route instead waits for the destination
/// (<see cref="DestinationHealthStore"/>): no message of its own, one audit line, until the destination's
/// probe finds it answering and <see cref="DestinationRecovery"/> releases its routes, P1 first.
/// Escalation checks are scheduled at triage and run when due.
/// Only a fault of the service itself (storage down, a bug) fails the queue message.
/// </summary>
public sealed partial class ReferralDelivery(
    ReferralStateStore store,
    Destinations destinations,
    LocalInboxMode inboxMode,
    ForceInboxStore inbox,
    SandboxInboxStore sandbox,
    WebhookSender sender,
    Partners partners,
    DeliverySchedule schedule,
    HandOffPolicy policy,
    DeliveryOptions options,
    DestinationHealthStore health,
    TimeProvider clock,
    ILogger<ReferralDelivery> log) : IReferralDelivery
{
    private static bool IsAuthority(Route route) => route.Kind is RouteKind.PoliceForce or RouteKind.Ceop;

    /// <summary>
    /// From triage: the decision, the hand-off's start (signposting recorded, police and CEOP routes pending)
    /// and the claim of each route to be tried at once, in one write with their audit lines; then the first
    /// escalation check scheduled, and each route tried (or scheduled, or left waiting for its destination).
    /// </summary>
    public async Task<bool> DeliverAsync(ReferralWork work, TriageDecision? decision, long dequeueCount, CancellationToken ct, Links.ReferralLinks? links = null)
    {
        var now = clock.GetUtcNow();
        var claimedUntil = now + TimeSpan.FromSeconds(options.ClaimSeconds);
        bool decidedHere = false, startedHere = false;
        var claimedHere = new HashSet<string>(StringComparer.Ordinal);
        await store.SaveAsync(work, s =>
        {
            (decidedHere, startedHere) = (false, false);
            claimedHere.Clear();
            if (s.Triage is null)
            {
                if (decision is null)
                {
                    return null;
                }

                s = s with { Status = ReferralStatus.Triaged, Triage = decision, FailureReason = null, Links = links };
                decidedHere = true; // another worker that recorded its decision first would have left none to record: theirs stands
            }

            if (s.Deliveries is not null)
            {
                return decidedHere ? s : null; // started by another worker: each route is tried below, claimed one by one
            }

            s = Start(s, now);
            startedHere = true;
            foreach (var route in s.AllRoutes.Where(IsAuthority))
            {
                var key = RouteKeys.KeyOf(route);
                if (WebhookOf(s, route) is not { } webhook || !health.KnownWaiting(webhook.Id))
                {
                    s = s.WithDelivery(key, s.DeliveryOf(key)! with { ClaimedUntil = claimedUntil });
                    claimedHere.Add(key);
                }
            }

            return s;
        }, ct).ConfigureAwait(false);

        if (startedHere || dequeueCount > 1)
        {
            // The escalation table's first deadline, as a message due then (each check schedules the next). A
            // triage tried again may have died before this: it schedules it again (an escalation happens once).
            if (policy.DeadlinesFor(work.State.Triage!.Priority) is [var first, ..])
            {
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, Check: CheckOf(first)), work.State.ReceivedAt + first.After, ct).ConfigureAwait(false);
            }
        }

        foreach (var route in work.State.AllRoutes.Where(IsAuthority).ToList())
        {
            if (claimedHere.Contains(RouteKeys.KeyOf(route)))
            {
                await AttemptAsync(work, route, ct, claimed: true).ConfigureAwait(false);
            }
            else
            {
                await ContinueAsync(work, route, ct).ConfigureAwait(false);
            }
        }

        return decidedHere;
    }

    private static string CheckOf(EscalationDeadline deadline) => deadline.Acknowledged ? DeliveryMessage.AcknowledgedCheck : DeliveryMessage.DeliveredCheck;

    /// <summary>From the deliveries queue, when due: a route's attempt (or, if its next attempt was moved later, its new schedule).</summary>
    public async Task DeliverRouteAsync(ReferralWork work, string routeKey, CancellationToken ct)
    {
        if (work.State.AllRoutes.FirstOrDefault(r => RouteKeys.KeyOf(r) == routeKey) is not { } route
            || work.State.DeliveryOf(routeKey) is not { Final: false } delivery)
        {
            return; // settled meanwhile (or unknown): nothing to do
        }

        if (delivery.WaitingFor is { } destination)
        {
            if (clock.GetUtcNow() >= work.State.ReceivedAt + policy.RetryWindow || !await health.StillDownAsync(destination, ct).ConfigureAwait(false))
            {
                // The window's end: one last try decides. Or the destination is up again and this route was left
                // behind (a claim that outlived a killed worker): its own try, as the release would have made it.
                await AttemptAsync(work, route, ct, released: true).ConfigureAwait(false);
            }

            return; // it waits for its destination's release (an earlier message of its own is dropped)
        }

        if (delivery.NextAttemptAt is { } due && due > clock.GetUtcNow())
        {
            await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, routeKey), due, ct).ConfigureAwait(false);
            return;
        }

        await AttemptAsync(work, route, ct).ConfigureAwait(false);
    }

    /// <summary>An unsettled police or CEOP route not claimed by the triage's write: tried now when due, else scheduled for when it is.</summary>
    private async Task ContinueAsync(ReferralWork work, Route route, CancellationToken ct)
    {
        var key = RouteKeys.KeyOf(route);
        if (work.State.DeliveryOf(key) is not { Final: false, WaitingFor: null } delivery)
        {
            return; // settled, or waiting for its destination
        }

        if (delivery.NextAttemptAt is { } due && due > clock.GetUtcNow())
        {
            await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, key), due, ct).ConfigureAwait(false);
        }
        else
        {
            await AttemptAsync(work, route, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Signposting routes recorded (with a line each); police and CEOP routes pending.</summary>
    private static ReferralState Start(ReferralState s, DateTimeOffset now)
    {
        var deliveries = s.AllRoutes.ToDictionary(RouteKeys.KeyOf, r => IsAuthority(r) ? new RouteDelivery(RouteState.Pending) : new RouteDelivery(RouteState.Recorded, DeliveredAt: now));
        var advice = s.AllRoutes.Where(r => !IsAuthority(r)).Select(r => new AuditEntry(now, "advice-recorded", r.Reason, RouteKeys.KeyOf(r), RouteState.Recorded.Wire()));
        return ReferralStateStore.WithLines(s with { Deliveries = deliveries }, [.. advice]).WithDerivedStatus();
    }

    /// <summary>The webhook a route goes to, when it has one (not a sandbox referral, not a pulling force, not the local inbox).</summary>
    private Destination? WebhookOf(ReferralState state, Route route) =>
        !state.Sandbox && destinations.For(route.Force?.Id ?? "ceop") is { Pull: false } destination ? destination : null;

    /// <summary>
    /// One attempt on one route: claim it, send, save the outcome, schedule what follows. A route whose
    /// destination this instance knows to be down waits for it instead, unless <paramref name="released"/>
    /// (by the destination's release, or at the window's end). <paramref name="claimed"/>: the caller's write claimed it.
    /// </summary>
    private async Task AttemptAsync(ReferralWork work, Route route, CancellationToken ct, bool released = false, bool claimed = false)
    {
        var key = RouteKeys.KeyOf(route);
        var now = clock.GetUtcNow();
        var webhook = WebhookOf(work.State, route);
        if (!claimed && !released && webhook is not null && health.KnownWaiting(webhook.Id))
        {
            await WaitForDestinationAsync(work, route, webhook.Id, ct).ConfigureAwait(false);
            return;
        }

        claimed = claimed || await store.SaveAsync(work, s => s.DeliveryOf(key) is { Final: false } d && !d.ClaimedAt(now)
            ? s.WithDelivery(key, d with { ClaimedUntil = now + TimeSpan.FromSeconds(options.ClaimSeconds) })
            : null, ct).ConfigureAwait(false);
        if (!claimed)
        {
            // Another worker holds it, or it was settled meanwhile. If a claim is held, look again when it runs out.
            if (work.State.DeliveryOf(key) is { Final: false, ClaimedUntil: { } until })
            {
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, key), until, ct).ConfigureAwait(false);
            }

            return;
        }

        var wasWaiting = work.State.DeliveryOf(key)?.WaitingFor is not null;
        var attempts = new List<DeliveryAttempt>();
        using var activity = ReferralTelemetry.Start("referral.deliver", work.Reference);
        activity?.SetTag("referral.route", key);
        DeliveryFailedException? failure = null;
        var delivered = false;
        try
        {
            delivered = await SendAsync(work, route, key, attempts, ct).ConfigureAwait(false);
        }
        catch (DeliveryFailedException e) when (!ct.IsCancellationRequested)
        {
            failure = e;
        }

        var before = work.State.Status;
        var at = clock.GetUtcNow();
        var calls = attempts.Where(a => a.Outcome != "circuit-open").ToList(); // the open breaker's non-call is not a call
        var madeAttempt = calls.Count > 0; // an open breaker after a real call still spent a chance
        var waitsFor = failure is { DestinationDown: true } && webhook is not null ? webhook.Id : null;
        if (waitsFor is not null)
        {
            // Durable before the state says the route waits: its place in the destination's index, the destination's
            // probe, and (the first time) its window's end. A process that dies after the save below leaves it found
            // by the release, or decided at its window's end; one that dies before leaves a stray entry the release drops.
            await health.AddWaitingAsync(waitsFor, work.State.Triage!.Priority.ToString(), work.State.ReceivedAt, work.Reference, key, ct).ConfigureAwait(false);
            await health.ReportDownAsync(waitsFor, failure!.AskedForTime ? failure.RetryAfter ?? TimeSpan.FromSeconds(1) : null, failure.Message, ct).ConfigureAwait(false);
            if (!wasWaiting)
            {
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, key), work.State.ReceivedAt + policy.RetryWindow, ct).ConfigureAwait(false);
            }
        }

        var fallback = (Route?)null;
        var recorded = await store.SaveAsync(work, s =>
        {
            if (s.DeliveryOf(key) is not { Final: false } d)
            {
                return null; // settled meanwhile (a pulling force fetched it, say): never undone
            }

            ReferralState changed;
            if (failure is null)
            {
                changed = delivered
                    ? s.WithDelivery(key, d with { State = RouteState.Delivered, Attempts = d.Attempts + 1, DeliveredAt = at, NextAttemptAt = null, ClaimedUntil = null, LastError = null, WaitingFor = null })
                    : s.WithDelivery(key, d with { State = RouteState.Pending, NextAttemptAt = null, ClaimedUntil = null, LastError = null, WaitingFor = null }); // waits for the force to fetch it
            }
            else
            {
                var attemptsSoFar = d.Attempts + (madeAttempt ? 1 : 0);
                if (policy.NextAttempt(s.ReceivedAt, at, Math.Max(attemptsSoFar, 1), failure.CircuitOpen ? null : failure.RetryAfter) is { } next)
                {
                    // Its own schedule (not before next); when the destination is down, it waits for it rather than polling.
                    changed = s.WithDelivery(key, d with { State = RouteState.Retrying, Attempts = attemptsSoFar, NextAttemptAt = next, ClaimedUntil = null, LastError = failure.Message, WaitingFor = waitsFor });
                }
                else
                {
                    // The retry window is spent: undeliverable, and CEOP gets it instead (unless this was CEOP).
                    var given = s.WithDelivery(key, d with { State = RouteState.Undeliverable, Attempts = attemptsSoFar, NextAttemptAt = null, ClaimedUntil = null, LastError = failure.Message, WaitingFor = null });
                    fallback = route.Kind != RouteKind.Ceop && !given.AllRoutes.Any(r => r.Kind == RouteKind.Ceop)
                        ? new Route(RouteKind.Ceop, $"Fallback: {route.Force?.Name ?? key} could not be reached for {policy.Options.RetryWindowHours:0} hours after acceptance.")
                        : null;
                    changed = fallback is null ? given : AddRoute(given, fallback);
                }
            }

            return Recorded(s, changed, OutcomeLines(route, changed.DeliveryOf(key)!, calls, failure, at, fallback, startsWaiting: d.WaitingFor is null));
        }, ct).ConfigureAwait(false);

        var saved = work.State.DeliveryOf(key)!;
        activity?.SetTag("referral.delivery.outcome", saved.State.Wire());
        if (!recorded)
        {
            // Settled meanwhile: the calls this try made are still on record.
            work.Audit.AddRange(calls.Select(a => CallLine(a, key, saved.Attempts)));
            return;
        }

        switch (saved.State)
        {
            case RouteState.Retrying when saved.WaitingFor is { } waitingFor:
                if (!wasWaiting)
                {
                    LogWaiting(log, work.Reference, key, waitingFor);
                }

                await ReleaseIfUpAsync(waitingFor, ct).ConfigureAwait(false);
                break;
            case RouteState.Delivered:
                LogRouteDelivered(log, work.Reference, key, saved.Attempts);
                break;
            case RouteState.Retrying:
                ReferralTelemetry.RetriesScheduled.Add(1, new KeyValuePair<string, object?>("route", route.KindName));
                LogRetryScheduled(log, work.Reference, key, saved.Attempts, saved.NextAttemptAt!.Value);
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, key), saved.NextAttemptAt!.Value, ct).ConfigureAwait(false);
                break;
            case RouteState.Undeliverable:
                ReferralTelemetry.Undeliverable.Add(1, new KeyValuePair<string, object?>("route", route.KindName));
                LogUndeliverable(log, work.Reference, key, saved.Attempts);
                if (fallback is not null)
                {
                    await AttemptAsync(work, fallback, ct).ConfigureAwait(false);
                }

                break;
        }

        await AfterChangeAsync(work, before, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// An attempt's lines: one per real call, numbered by the route's attempt (the open breaker's non-call is
    /// not one), then its outcome; a route that starts waiting for its destination says so, once.
    /// </summary>
    private static IEnumerable<AuditEntry> OutcomeLines(Route route, RouteDelivery outcome, List<DeliveryAttempt> calls, DeliveryFailedException? failure,
        DateTimeOffset at, Route? fallback, bool startsWaiting)
    {
        var key = RouteKeys.KeyOf(route);
        foreach (var a in calls)
        {
            yield return CallLine(a, key, outcome.Attempts);
        }

        switch (outcome.State)
        {
            case RouteState.Pending when failure is null:
                yield return new AuditEntry(at, "available-to-pull", $"{route.Force?.Name ?? key} collects its referrals through the force API", key, outcome.State.Wire());
                break;
            case RouteState.Delivered:
                yield return new AuditEntry(at, "route-delivered", null, key, outcome.State.Wire(), Attempt: outcome.Attempts);
                break;
            case RouteState.Retrying when outcome.WaitingFor is not null:
                if (startsWaiting)
                {
                    yield return WaitingLine(route, outcome, failure?.Message, at); // a released route that fails again says nothing more than its attempt
                }

                break;
            case RouteState.Retrying:
                yield return new AuditEntry(at, "retry-scheduled", $"{failure!.Message}; next attempt {outcome.NextAttemptAt:O}", key, outcome.State.Wire(), Attempt: outcome.Attempts);
                break;
            case RouteState.Undeliverable:
                yield return new AuditEntry(at, "undeliverable", failure?.Message, key, outcome.State.Wire(), Attempt: outcome.Attempts);
                if (fallback is not null)
                {
                    yield return new AuditEntry(at, "route-added", fallback.Reason, RouteKeys.KeyOf(fallback), RouteState.Pending.Wire());
                }

                break;
        }
    }

    /// <summary>One webhook call on the trail: where, when, its outcome and status, how long, and which attempt it was.</summary>
    internal static AuditEntry CallLine(DeliveryAttempt call, string destination, int attempt) =>
        new(call.At, "delivery-attempt", null, destination, call.Outcome, call.StatusCode, Math.Round(call.DurationMs, 1), attempt);

    /// <summary>
    /// A change with the lines that say what it was, and, when it settles the referral (delivered, acknowledged,
    /// undeliverable), the line that says so: all saved in the change's one write.
    /// </summary>
    private ReferralState Recorded(ReferralState before, ReferralState after, IEnumerable<AuditEntry> lines)
    {
        var trail = lines.ToList();
        if (before.Status != after.Status && after.Status is ReferralStatus.Delivered or ReferralStatus.Undeliverable or ReferralStatus.Acknowledged)
        {
            // "delivered" / "undeliverable" as before; "referral-acknowledged" apart from each route's own "acknowledged".
            trail.Add(new AuditEntry(clock.GetUtcNow(), after.Status == ReferralStatus.Acknowledged ? "referral-acknowledged" : after.Status.Wire(), $"{after.AllRoutes.Count()} routes"));
        }

        return ReferralStateStore.WithLines(after, trail);
    }

    /// <summary>
    /// The route waits, untried, for a destination this instance knows is down: in the destination's waiting index
    /// and its window's end scheduled first, then marked waiting in its state with its one audit line (another worker
    /// may have marked it first), then, in case the destination came back meanwhile, a release. Nothing more until
    /// the destination's release or the window's end.
    /// </summary>
    private async Task WaitForDestinationAsync(ReferralWork work, Route route, string destinationId, CancellationToken ct)
    {
        var key = RouteKeys.KeyOf(route);
        var now = clock.GetUtcNow();
        if (work.State.DeliveryOf(key) is { WaitingFor: null })
        {
            await health.AddWaitingAsync(destinationId, work.State.Triage!.Priority.ToString(), work.State.ReceivedAt, work.Reference, key, ct).ConfigureAwait(false);
            await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, key), work.State.ReceivedAt + policy.RetryWindow, ct).ConfigureAwait(false);
            if (await store.SaveAsync(work, s => s.DeliveryOf(key) is { Final: false, WaitingFor: null } d
                ? Recorded(s, s.WithDelivery(key, d with { WaitingFor = destinationId, ClaimedUntil = null }), [WaitingLine(route, d, null, now)])
                : null, ct).ConfigureAwait(false))
            {
                LogWaiting(log, work.Reference, key, destinationId);
            }
        }

        await ReleaseIfUpAsync(destinationId, ct).ConfigureAwait(false);
    }

    /// <summary>A release at once when the destination is no longer down (its release may have listed the index before this route's entry was written).</summary>
    private async Task ReleaseIfUpAsync(string destinationId, CancellationToken ct)
    {
        if (!await health.StillDownAsync(destinationId, ct).ConfigureAwait(false))
        {
            await health.ScheduleReleaseAsync(destinationId, clock.GetUtcNow(), ct).ConfigureAwait(false);
        }
    }

    private static AuditEntry WaitingLine(Route route, RouteDelivery delivery, string? why, DateTimeOffset at) =>
        new(at, "waiting-for-destination", $"{route.Force?.Name ?? "CEOP"} is not taking referrals ({why ?? "it is failing"}); this referral goes as soon as it answers again",
            RouteKeys.KeyOf(route), delivery.State.Wire());

    /// <summary>
    /// A waiting route, released by its destination (<see cref="DestinationRecovery"/>): tried now if its own
    /// schedule allows. Says what became of it: settled or no longer waiting (its index entry can go), waiting
    /// again (the try failed), or not yet due (with when).
    /// </summary>
    public async Task<(ReleaseOutcome Outcome, DateTimeOffset? NotBefore)> ReleaseAsync(WaitingRoute entry, CancellationToken ct)
    {
        if (await store.LoadWorkAsync(entry.Reference, ct).ConfigureAwait(false) is not { } work)
        {
            return (ReleaseOutcome.Done, null); // erased, or swept by retention
        }

        try
        {
            if (work.State.AllRoutes.FirstOrDefault(r => RouteKeys.KeyOf(r) == entry.RouteKey) is not { } route
                || work.State.DeliveryOf(entry.RouteKey) is not { Final: false, WaitingFor: not null } delivery)
            {
                return (ReleaseOutcome.Done, null);
            }

            if (delivery.NextAttemptAt is { } notBefore && notBefore > clock.GetUtcNow())
            {
                return (ReleaseOutcome.NotYet, notBefore);
            }

            if (delivery.ClaimedUntil is { } claimed && claimed > clock.GetUtcNow())
            {
                // Claimed by another worker, or by one that died sending it (a SIGKILL between its send and its save):
                // not failed, so not "waiting again". Released again when the claim runs out.
                return (ReleaseOutcome.NotYet, claimed);
            }

            await AttemptAsync(work, route, ct, released: true).ConfigureAwait(false);
            return (work.State.DeliveryOf(entry.RouteKey) is { Final: false, WaitingFor: not null } ? ReleaseOutcome.Waiting : ReleaseOutcome.Done, null);
        }
        catch (ReferralErasedException)
        {
            return (ReleaseOutcome.Done, null);
        }
        finally
        {
            try
            {
                await store.FlushAuditAsync(work, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ReferralErasedException)
            {
                // erased meanwhile: its trail is gone with it
            }
        }
    }

    /// <summary>An escalation check, once due: a P1 or P2 not yet with its force also goes to CEOP; a P3, or a failing CEOP route, alerts operations.</summary>
    public async Task CheckAsync(ReferralWork work, string check, CancellationToken ct)
    {
        if (work.State.Triage is not { } decision)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var deadline = check == DeliveryMessage.CeopCheck ? null
            : policy.DeadlinesFor(decision.Priority).FirstOrDefault(d => d.Acknowledged == (check == DeliveryMessage.AcknowledgedCheck));
        if (deadline is not null && work.State.Status != ReferralStatus.Acknowledged
            && policy.DeadlinesFor(decision.Priority).SkipWhile(d => d != deadline).Skip(1).FirstOrDefault() is { } next)
        {
            // The checks come one at a time (one message at triage): this one schedules the next. Tried again, it schedules it again (harmless).
            await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, Check: CheckOf(next)), work.State.ReceivedAt + next.After, ct).ConfigureAwait(false);
        }

        var before = work.State.Status;
        foreach (var route in work.State.AllRoutes.Where(IsAuthority).ToList())
        {
            var key = RouteKeys.KeyOf(route);
            var met = deadline is { Acknowledged: true }
                ? RouteState.Acknowledged // by then a person at the force must have confirmed it
                : RouteState.Delivered;
            if (work.State.DeliveryOf(key) is not { } d || d.State is RouteState.Acknowledged or RouteState.WrongArea || d.State == met)
            {
                continue;
            }

            if (route.Kind == RouteKind.Ceop || check == DeliveryMessage.CeopCheck)
            {
                if (route.Kind == RouteKind.Ceop)
                {
                    Alert(work, decision.Priority, key, $"{decision.Priority}: CEOP does not have the referral yet ({d.State.Wire()}, {d.Attempts} attempts).", "alert");
                }

                continue;
            }

            if (deadline is null || d.Escalated is not null)
            {
                continue;
            }

            var reason = deadline.Reason(route.Force?.Name ?? key);
            if (deadline.Action == EscalationAction.AlertOperations)
            {
                Alert(work, decision.Priority, key, reason, "alert");
                continue;
            }

            var ceopRoute = new Route(RouteKind.Ceop, $"Escalated: {reason}");
            await store.SaveAsync(work, s => s.DeliveryOf(key) is { Escalated: null } current && current.State is not (RouteState.Acknowledged or RouteState.WrongArea) && current.State != met
                ? AddRoute(s.WithDelivery(key, current with { Escalated = reason }), ceopRoute)
                : null, ct).ConfigureAwait(false);
            if (work.State.DeliveryOf(key)?.Escalated != reason)
            {
                continue; // delivered, or escalated by another worker, meanwhile
            }

            Alert(work, decision.Priority, key, reason, "escalated");
            if (work.State.AllRoutes.FirstOrDefault(r => r.Kind == RouteKind.Ceop) is { } ceop && work.State.DeliveryOf(RouteKeys.KeyOf(ceop)) is { Final: false })
            {
                work.Audit.Add(new AuditEntry(now, "route-added", ceop.Reason, RouteKeys.KeyOf(ceop), RouteState.Pending.Wire()));
                await schedule.ScheduleAsync(new DeliveryMessage(work.Reference, Check: DeliveryMessage.CeopCheck), now + policy.CeopAlertAfter, ct).ConfigureAwait(false);
                await AttemptAsync(work, ceop, ct).ConfigureAwait(false);
            }
        }

        await AfterChangeAsync(work, before, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A force's acknowledgement of a route delivered to it (API.md, "Force hand-off"): accepted stops
    /// its escalation clock; wrong-area re-routes to the next of the route's other candidate forces not
    /// yet tried, else to CEOP, never twice to one force. The same outcome again changes nothing; a
    /// different one after an outcome was recorded is a conflict.
    /// </summary>
    /// <returns>What happened, and the referral's state afterwards (null when there is no such referral).</returns>
    public async Task<(AcknowledgeResult Result, ReferralState? State)> AcknowledgeAsync(string reference, string forceId, bool accepted, string? note, CancellationToken ct)
    {
        if (await store.LoadWorkAsync(reference, ct).ConfigureAwait(false) is not { } work)
        {
            return (AcknowledgeResult.NotFound, null);
        }

        try
        {
            return (await AcknowledgeAsync(work, forceId, accepted, note, ct).ConfigureAwait(false), work.State);
        }
        finally
        {
            await store.FlushAuditAsync(work, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<AcknowledgeResult> AcknowledgeAsync(ReferralWork work, string forceId, bool accepted, string? note, CancellationToken ct)
    {
        var key = RouteKeys.ForRecipient(forceId);
        if (work.State.AllRoutes.FirstOrDefault(r => RouteKeys.KeyOf(r) == key) is not { } route || work.State.DeliveryOf(key) is null)
        {
            return AcknowledgeResult.NotFound;
        }

        var wanted = accepted ? RouteState.Acknowledged : RouteState.WrongArea;
        var now = clock.GetUtcNow();
        var before = work.State.Status;
        Route? next = null;
        var saved = await store.SaveAsync(work, s =>
        {
            if (s.DeliveryOf(key) is not { State: RouteState.Delivered } current)
            {
                return null;
            }

            var changed = s.WithDelivery(key, current with { State = wanted, AcknowledgedAt = accepted ? now : null, ForceNote = note });
            next = accepted ? null : NextAfterWrongArea(changed, route);
            AuditEntry[] lines = [new(now, accepted ? "acknowledged" : "wrong-area", accepted ? $"accepted by {forceId}" : $"{forceId}: not our area", key, wanted.Wire()),
                .. next is null ? [] : new[] { new AuditEntry(now, "route-added", next.Reason, RouteKeys.KeyOf(next), RouteState.Pending.Wire()) }];
            return Recorded(s, next is null ? changed : AddRoute(changed, next), lines);
        }, ct).ConfigureAwait(false);
        if (!saved)
        {
            return work.State.DeliveryOf(key)!.State switch
            {
                var state when state == wanted => AcknowledgeResult.Unchanged,
                RouteState.Acknowledged or RouteState.WrongArea => AcknowledgeResult.Conflict,
                _ => AcknowledgeResult.NotDelivered,
            };
        }

        if (work.State.Sandbox || destinations.For(forceId) is not { ForceView: false })
        {
            await inbox.RemoveAsync(forceId, work.State, ct).ConfigureAwait(false); // off its list (a webhook-only force has none)
        }

        if (next is not null)
        {
            await AttemptAsync(work, next, ct).ConfigureAwait(false);
        }

        await AfterChangeAsync(work, before, ct, routeEvent: $"{key}:{wanted.Wire()}").ConfigureAwait(false);
        return AcknowledgeResult.Recorded;
    }

    /// <summary>After "not our area": the route's next candidate force not yet routed to, else CEOP (unless CEOP has it already).</summary>
    private static Route? NextAfterWrongArea(ReferralState state, Route turnedDown)
    {
        var tried = state.AllRoutes.Where(r => r.Force is not null).Select(r => r.Force!.Id).ToHashSet(StringComparer.Ordinal);
        var from = turnedDown.Force?.Name ?? "CEOP";
        if (turnedDown.OtherCandidates.OrderByDescending(c => c.Share).FirstOrDefault(c => !tried.Contains(c.Force.Id)) is { } candidate)
        {
            return new Route(RouteKind.PoliceForce, $"Re-routed: {from} said the child is not in its area; {candidate.Force.Name} covers the next largest share of the postcode district.")
            {
                Force = candidate.Force,
                LocationUncertain = true,
                NotifyRegionalUnit = turnedDown.NotifyRegionalUnit,
                OtherCandidates = turnedDown.OtherCandidates,
            };
        }

        return state.AllRoutes.Any(r => r.Kind == RouteKind.Ceop) || turnedDown.Kind == RouteKind.Ceop
            ? null
            : new Route(RouteKind.Ceop, $"Re-routed: {from} said the child is not in its area, and no other force is a candidate for the postcode.");
    }

    /// <summary>The state with a route added after triage (CEOP), pending; unchanged if that route is there already.</summary>
    private static ReferralState AddRoute(ReferralState s, Route route)
    {
        var key = RouteKeys.KeyOf(route);
        return s.AllRoutes.Any(r => RouteKeys.KeyOf(r) == key)
            ? s
            : (s with { AddedRoutes = [.. s.AddedRoutes ?? [], route] }).WithDelivery(key, new RouteDelivery(RouteState.Pending));
    }

    private void Alert(ReferralWork work, Priority priority, string key, string reason, string action)
    {
        work.Audit.Add(new AuditEntry(clock.GetUtcNow(), action, reason, key));
        var name = priority.ToString();
        ReferralTelemetry.Escalations.Add(1, new("priority", name), new("action", action));
        LogEscalation(log, work.Reference, name, action, key);
    }

    /// <summary>
    /// After a change: metrics, the P1 tracker, and the partner's callback once the referral is delivered,
    /// acknowledged or undeliverable, or (<paramref name="routeEvent"/>) when a force acknowledged a route.
    /// </summary>
    private async Task AfterChangeAsync(ReferralWork work, ReferralStatus before, CancellationToken ct, string? routeEvent = null)
    {
        var state = work.State;
        if (state.Triage is { Priority: Priority.P1 })
        {
            var waiting = state.AllRoutes.Where(IsAuthority).Any() && !state.AllRoutes.Where(IsAuthority)
                .Any(r => state.DeliveryOf(RouteKeys.KeyOf(r)) is { State: RouteState.Delivered or RouteState.Acknowledged });
            ReferralTelemetry.TrackUndeliveredP1(state.Reference, state.ReceivedAt, waiting && state.Status == ReferralStatus.Triaged);
        }

        var settled = before != state.Status && state.Status is ReferralStatus.Delivered or ReferralStatus.Undeliverable or ReferralStatus.Acknowledged;
        if (settled && state.Status == ReferralStatus.Delivered)
        {
            // Its line ("delivered") was written with the change that settled it (Recorded).
            ReferralTelemetry.Delivered.Add(1);
            ReferralTelemetry.ReceiptToDelivery.Record((clock.GetUtcNow() - state.ReceivedAt).TotalSeconds);
            var routeCount = state.AllRoutes.Count();
            LogDelivered(log, state.Reference, routeCount);
        }

        if (settled || routeEvent is not null)
        {
            await NotifyPartnerAsync(work, routeEvent ?? state.Status.Wire(), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the route's document; true when the destination has it, false when it waits in a pulling force's inbox.</summary>
    private async Task<bool> SendAsync(ReferralWork work, Route route, string key, List<DeliveryAttempt> attempts, CancellationToken ct)
    {
        var state = work.State;
        var destinationId = route.Force?.Id ?? "ceop";
        var document = JsonSerializer.SerializeToUtf8Bytes(
            ReferralDocument.For(state.Reference, key, state.ReceivedAt, route, state.Triage!, work.Report, state.Sandbox, state.Language, state.Links?.Linked), AppJsonContext.Default.ReferralDocument);
        if (state.Sandbox)
        {
            // A sandbox key's referral never reaches a force or CEOP: it lands where its partner can read it back.
            await sandbox.SaveAsync(state.Reference, key, document, ct).ConfigureAwait(false);
            attempts.Add(new DeliveryAttempt(1, clock.GetUtcNow(), "sandbox", null, 0));
            return true;
        }

        if (destinations.For(destinationId) is { } destination)
        {
            if (destination.Pull)
            {
                await inbox.SaveAsync(destinationId, state, document, ct).ConfigureAwait(false);
                return false;
            }

            await sender.SendAsync(destination, state.Reference, IdempotencyKeyOf(state.Reference, key), document, attempts, ct).ConfigureAwait(false);
            if (destination.ForceView)
            {
                // A copy for the force's list and view, where a person acknowledges it.
                await inbox.SaveAsync(destinationId, state, document, ct).ConfigureAwait(false);
            }

            return true;
        }

        if (inboxMode.Enabled)
        {
            await inbox.SaveAsync(destinationId, state, document, ct).ConfigureAwait(false);
            attempts.Add(new DeliveryAttempt(1, clock.GetUtcNow(), "delivered", null, 0));
            return true;
        }

        throw new DeliveryFailedException($"No delivery endpoint is configured for {destinationId} (set Destinations__{destinationId}__Url or Destinations__default__Url).");
    }

    /// <summary>The Idempotency-Key of a route's document, the same on every attempt and on every fetch.</summary>
    public static string IdempotencyKeyOf(string reference, string routeKey) => $"{reference}:{routeKey}";

    /// <summary>
    /// A force fetched its document (force API or force view): the first fetch of a route waiting to be
    /// pulled counts as delivered. Reads the referral and writes its audit, as one unit of work. Null when
    /// there is no such referral, or no document for this force.
    /// </summary>
    public async Task<FetchedDocument?> FetchAsync(string reference, string forceId, CancellationToken ct)
    {
        if (await store.LoadWorkAsync(reference, ct).ConfigureAwait(false) is not { } work)
        {
            return null;
        }

        try
        {
            return await FetchAsync(work, forceId, ct).ConfigureAwait(false) is { } document
                ? new FetchedDocument(document, work.State.DeliveryOf(RouteKeys.ForRecipient(forceId))!,
                    [.. (work.State.Notices?.Values ?? []).Where(n => n.ForceId == forceId).OrderBy(n => n.CreatedAt)])
                : null;
        }
        finally
        {
            await store.FlushAuditAsync(work, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<BinaryData?> FetchAsync(ReferralWork work, string forceId, CancellationToken ct)
    {
        var key = RouteKeys.ForRecipient(forceId);
        if (work.State.DeliveryOf(key) is null || await inbox.ReadAsync(forceId, work.Reference, ct).ConfigureAwait(false) is not { } document)
        {
            return null;
        }

        var before = work.State.Status;
        var now = clock.GetUtcNow();
        var fetched = await store.SaveAsync(work, s => s.DeliveryOf(key) is { State: RouteState.Pending or RouteState.Retrying } d
            ? Recorded(s, s.WithDelivery(key, d with { State = RouteState.Delivered, Attempts = d.Attempts + 1, DeliveredAt = now, NextAttemptAt = null, ClaimedUntil = null }),
                [new AuditEntry(now, "route-delivered", $"fetched by {forceId}", key, RouteState.Delivered.Wire(), Attempt: d.Attempts + 1)])
            : null, ct).ConfigureAwait(false);
        if (fetched)
        {
            var attempts = work.State.DeliveryOf(key)!.Attempts;
            LogRouteDelivered(log, work.Reference, key, attempts);
            await AfterChangeAsync(work, before, ct).ConfigureAwait(false);
        }

        return document;
    }

    /// <summary>A partner that registered a callback hears the decision and each route's hand-off; best effort.</summary>
    private async Task NotifyPartnerAsync(ReferralWork work, string what, CancellationToken ct)
    {
        var state = work.State;
        if (partners.Find(state.PartnerId) is not { CallbackUrl: { } url, CallbackSecret: { Length: > 0 } secret })
        {
            return;
        }

        var attempts = new List<DeliveryAttempt>();
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new PartnerCallback(ReferralDocument.Version, state.Reference, state.Status.Wire(), ContractMapping.ToTriageBody(state)),
            AppJsonContext.Default.PartnerCallback);
        string outcome;
        try
        {
            await sender.SendAsync(new Destination($"partner:{state.PartnerId}", url, secret), state.Reference,
                $"{state.Reference}:callback:{what}", body, attempts, ct).ConfigureAwait(false);
            outcome = "delivered";
        }
        catch (DeliveryFailedException e)
        {
            outcome = "failed";
            LogCallbackFailed(log, state.Reference, state.PartnerId, e.Message);
        }

        work.Audit.AddRange(attempts.Select(a => CallLine(a, "partner-callback", a.Number)));
        work.Audit.Add(new AuditEntry(clock.GetUtcNow(), "partner-notified", Destination: "partner-callback", Outcome: outcome));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: {Route} waits for {Destination}, which is not taking referrals")]
    private static partial void LogWaiting(ILogger logger, string reference, string route, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference} delivered on all {RouteCount} routes")]
    private static partial void LogDelivered(ILogger logger, string reference, int routeCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Referral {Reference}: {Route} delivered (attempt {Attempts})")]
    private static partial void LogRouteDelivered(ILogger logger, string reference, string route, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: {Route} failed (attempt {Attempts}); next attempt {NextAttemptAt:O}")]
    private static partial void LogRetryScheduled(ILogger logger, string reference, string route, int attempts, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Referral {Reference}: {Route} is undeliverable after {Attempts} attempts over the retry window")]
    private static partial void LogUndeliverable(ILogger logger, string reference, string route, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Referral {Reference} ({Priority}): {Action} on {Route}")]
    private static partial void LogEscalation(ILogger logger, string reference, string priority, string action, string route);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Referral {Reference}: callback to partner {PartnerId} failed ({Error})")]
    private static partial void LogCallbackFailed(ILogger logger, string reference, string partnerId, string error);
}

/// <summary>A released route: done with (settled, gone, or no longer waiting), waiting again (its try failed), or not yet due by its own schedule.</summary>
public enum ReleaseOutcome
{
    Done,
    Waiting,
    NotYet,
}

/// <summary>What a force's acknowledgement did: recorded; the same outcome again; no such route for the force; not yet delivered; a different outcome already recorded.</summary>
public enum AcknowledgeResult
{
    Recorded,
    Unchanged,
    NotFound,
    NotDelivered,
    Conflict,
}

/// <summary>A fetched document as it was made for the force, the force's route as it stands after the fetch, and the link notices later referrals owe the force about it.</summary>
public sealed record FetchedDocument(BinaryData Document, RouteDelivery Route, IReadOnlyList<Links.LinkNotice> Notices);
