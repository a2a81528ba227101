using System.Text.Json;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// A message on the deliveries queue: a claim check naming a referral and what is due for it, never
/// report content. <see cref="Route"/>: a route's next delivery attempt. <see cref="Check"/>: an
/// escalation check (<see cref="DeliveredCheck"/>, <see cref="AcknowledgedCheck"/>, <see cref="CeopCheck"/>). <see cref="Notice"/>: the link
/// notice a later referral (this reference) owes the referral's force (<see cref="Links.LinkNotices"/>). <see cref="DueAt"/>: when it is due.
/// </summary>
/// A message with <see cref="Destination"/> and no reference is the destination's own: its probe
/// (<see cref="Probe"/>, the probe's id) or, without one, the release of the routes waiting for it.
public sealed record DeliveryMessage(string Reference, string? Route = null, string? Check = null, DateTimeOffset? DueAt = null,
    string? Destination = null, string? Probe = null, string? Notice = null)
{
    public const string DeliveredCheck = "delivered", AcknowledgedCheck = "acknowledged", CeopCheck = "ceop";

    public static DeliveryMessage ProbeOf(string destination, string probeId) => new("", Destination: destination, Probe: probeId);

    public static DeliveryMessage ReleaseOf(string destination) => new("", Destination: destination);
}

/// <summary>
/// Schedules the hand-off's later work durably: a message on the deliveries queue that becomes visible
/// when the work is due, so nothing waits in memory and a process that dies loses nothing. A time
/// further off than <see cref="DeliveryOptions.MaxScheduleHopSeconds"/> is reached in hops: the
/// message comes back, finds it is not yet due, and is scheduled again.
/// </summary>
public sealed class DeliverySchedule(StorageClients storage, DeliveryOptions options, TimeProvider clock)
{
    public async Task ScheduleAsync(DeliveryMessage message, DateTimeOffset due, CancellationToken ct)
    {
        var wait = due - clock.GetUtcNow();
        var hop = TimeSpan.FromSeconds(options.MaxScheduleHopSeconds);
        var visibility = wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < hop ? wait : hop;
        await storage.DeliveryQueue.SendMessageAsync(
            JsonSerializer.Serialize(message with { DueAt = due }, AppJsonContext.Default.DeliveryMessage), visibility, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>True when the message is not yet due: it has been scheduled again for its time.</summary>
    public async Task<bool> PostponeIfEarlyAsync(DeliveryMessage message, CancellationToken ct)
    {
        if (message.DueAt is { } due && due > clock.GetUtcNow())
        {
            using var hop = Telemetry.ReferralTelemetry.StartForDestination("referral.postpone", message.Destination ?? "referral"); // apart in the storage count: a hop, not work
            await ScheduleAsync(message, due, ct).ConfigureAwait(false);
            return true;
        }

        return false;
    }

    public static DeliveryMessage? Read(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, AppJsonContext.Default.DeliveryMessage) is { } message
                && (message.Reference.Length > 0 || message.Destination is { Length: > 0 }) ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
