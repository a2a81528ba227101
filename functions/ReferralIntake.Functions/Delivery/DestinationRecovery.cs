using ReferralIntake.Functions.Telemetry;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// A destination's own messages on the deliveries queue (<see cref="DeliveryMessage.ProbeOf"/>,
/// <see cref="DeliveryMessage.ReleaseOf"/>). The probe: a failing destination is pinged (never with a
/// referral) on a back-off that doubles up to <see cref="DeliveryOptions.MaxProbeSeconds"/>; a paused one
/// (429) is up again when its time is over. Once up, its waiting routes are released in order, P1 first
/// and the earliest accepted first, each tried in turn (so no faster than the destination answers), a
/// batch per message, until one fails: then the destination is waiting again and its next probe carries on.
/// </summary>
public sealed partial class DestinationRecovery(
    DestinationHealthStore health,
    ReferralDelivery delivery,
    WebhookSender sender,
    Destinations destinations,
    DeliveryOptions options,
    TimeProvider clock,
    ILogger<DestinationRecovery> log)
{
    public async Task HandleAsync(DeliveryMessage message, CancellationToken ct)
    {
        using var activity = ReferralTelemetry.StartForDestination(message.Probe is null ? "referral.release" : "referral.probe", message.Destination!);
        await (message.Probe is { } probeId ? ProbeAsync(message.Destination!, probeId, ct) : ReleaseIfUpAsync(message.Destination!, ct)).ConfigureAwait(false);
    }

    private async Task ProbeAsync(string destinationId, string probeId, CancellationToken ct)
    {
        var (record, etag) = await health.ReadAsync(destinationId, ct).ConfigureAwait(false);
        if (record is null || record.ProbeId != probeId)
        {
            return; // a stale probe: another one is in flight
        }

        if (!record.Waiting)
        {
            await ReleaseAsync(destinationId, ct).ConfigureAwait(false); // this probe brought it up, and died releasing: carry on
            return;
        }

        var now = clock.GetUtcNow();
        if (record.NextProbeAt is { } due && due > now)
        {
            await health.ScheduleProbeAsync(record, ct).ConfigureAwait(false); // moved later (a longer Retry-After)
            return;
        }

        if (record.Status == DestinationHealthRecord.Failing && destinations.For(destinationId) is { Pull: false } destination)
        {
            var (up, retryAfter, outcome) = await sender.PingAsync(destination, probeId, ct).ConfigureAwait(false);
            ReferralTelemetry.DestinationProbes.Add(1, new KeyValuePair<string, object?>("outcome", up ? retryAfter is null ? "up" : "paused" : "down"),
                new KeyValuePair<string, object?>("destination", destinationId)); // the force-down alert groups by it (infra/modules/alerts.bicep)
            if (!up || retryAfter is not null)
            {
                var delay = up ? retryAfter!.Value.TotalSeconds : Math.Min(record.ProbeDelaySeconds * 2, options.MaxProbeSeconds);
                var next = record with
                {
                    Status = up ? DestinationHealthRecord.Paused : DestinationHealthRecord.Failing,
                    Failures = record.Failures + (up ? 0 : 1),
                    ProbeDelaySeconds = up ? record.ProbeDelaySeconds : delay,
                    NextProbeAt = now + TimeSpan.FromSeconds(delay),
                    ProbeId = DestinationHealthStore.NewProbeId(),
                    LastError = $"probe: {outcome}",
                };
                await health.ScheduleProbeAsync(next, ct).ConfigureAwait(false);
                await health.TryWriteAsync(next, etag, ct).ConfigureAwait(false); // lost to another writer: its probe is the one in flight
                LogStillDown(log, destinationId, outcome, delay);
                return;
            }
        }

        // It answers again (or its pause is over). The record keeps this probe's id, so a retry of this message finishes the release.
        var upAgain = new DestinationHealthRecord(destinationId, DestinationHealthRecord.Up, now, 0, options.FirstProbeSeconds, ProbeId: probeId);
        if (!await health.TryWriteAsync(upAgain, etag, ct).ConfigureAwait(false))
        {
            return; // someone else decided meanwhile
        }

        LogUpAgain(log, destinationId, (now - record.Since).TotalSeconds);
        await ReleaseAsync(destinationId, ct).ConfigureAwait(false);
    }

    private async Task ReleaseIfUpAsync(string destinationId, CancellationToken ct)
    {
        var (record, _) = await health.ReadAsync(destinationId, ct).ConfigureAwait(false);
        if (record is not { Waiting: true })
        {
            await ReleaseAsync(destinationId, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One batch of the waiting routes, in order; what remains goes to the next release message.</summary>
    private async Task ReleaseAsync(string destinationId, CancellationToken ct)
    {
        var batch = await health.ListWaitingAsync(destinationId, options.ReleaseBatch * 4, ct).ConfigureAwait(false);
        var tried = 0;
        DateTimeOffset? notYet = null;
        foreach (var entry in batch)
        {
            if (health.KnownWaiting(destinationId) || tried == options.ReleaseBatch)
            {
                break;
            }

            var (outcome, notBefore) = await delivery.ReleaseAsync(entry, ct).ConfigureAwait(false);
            switch (outcome)
            {
                case ReleaseOutcome.Done:
                    tried++;
                    await health.RemoveWaitingAsync(entry, ct).ConfigureAwait(false);
                    break;
                case ReleaseOutcome.Waiting:
                    tried++; // it failed, and reported the destination down: the loop ends here
                    break;
                case ReleaseOutcome.NotYet:
                    notYet = notYet is { } earliest && earliest < notBefore!.Value ? earliest : notBefore;
                    break;
            }
        }

        if (health.KnownWaiting(destinationId))
        {
            return; // down again: its probe carries on from here
        }

        if (tried == options.ReleaseBatch)
        {
            await health.ScheduleReleaseAsync(destinationId, clock.GetUtcNow(), ct).ConfigureAwait(false); // more may wait
        }
        else if (notYet is { } at)
        {
            await health.ScheduleReleaseAsync(destinationId, at, ct).ConfigureAwait(false); // routes whose own schedule is later
            var (record, etag) = await health.ReadAsync(destinationId, ct).ConfigureAwait(false);
            if (record is { Waiting: false })
            {
                await health.TryWriteAsync(record with { NextReleaseAt = at }, etag, ct).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Destination} is still down (probe: {Outcome}); next probe in {DelaySeconds} s")]
    private static partial void LogStillDown(ILogger logger, string destination, string outcome, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Destination {Destination} answers again after {WaitedSeconds:0} s; its waiting referrals are being released")]
    private static partial void LogUpAgain(ILogger logger, string destination, double waitedSeconds);
}
