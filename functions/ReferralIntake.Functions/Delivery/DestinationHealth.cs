using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// A destination's health as the hand-off last saw it (one blob per destination in the hand-off container).
/// <c>up</c>: routes are sent. <c>failing</c> (5xx, timeouts, unreachable, an open breaker): its routes wait,
/// and the destination alone is probed at <see cref="NextProbeAt"/>, on a back-off. <c>paused</c> (a 429):
/// the destination asked for time; at <see cref="NextProbeAt"/> it is up again without a probe.
/// <see cref="ProbeId"/> names the one probe message in flight; any other is stale and dropped.
/// <see cref="NextReleaseAt"/>: while up, when waiting routes whose own schedule was not yet due are next released.
/// </summary>
public sealed record DestinationHealthRecord(
    string Destination,
    string Status,
    DateTimeOffset Since,
    int Failures = 0,
    double ProbeDelaySeconds = 0,
    DateTimeOffset? NextProbeAt = null,
    string? ProbeId = null,
    string? LastError = null,
    DateTimeOffset? NextReleaseAt = null)
{
    public const string Up = "up", Failing = "failing", Paused = "paused";

    public bool Waiting => Status != Up;
}

/// <summary>
/// A destination as an operator sees it (GET /api/admin/destinations): its health record and how many routes wait
/// for it, by priority. Destinations that never failed have no record and are not listed.
/// </summary>
public sealed record DestinationOverview(
    string Destination, string Status, DateTimeOffset Since, int Failures, string? LastError, DateTimeOffset? NextProbeAt,
    IReadOnlyDictionary<string, int> Waiting);

/// <summary>One route waiting for its destination, as its index entry names it (never any report content).</summary>
public sealed record WaitingRoute(string BlobName, string Reference, string RouteKey);

/// <summary>
/// The hand-off's per-destination state in storage ({container}-handoff): <c>health/{destination}.json</c>
/// (<see cref="DestinationHealthRecord"/>, written with ETags) and the waiting index,
/// <c>waiting/{destination}/{priority}/{accepted ticks}/{reference}/{route}</c>: an empty blob per waiting route,
/// whose names list in the order routes are released (P1 first, then the earliest accepted). This instance's
/// last view of each destination is kept in memory, so the hot path (a healthy destination) reads nothing.
/// </summary>
public sealed class DestinationHealthStore(StorageClients clients, DeliverySchedule schedule, DeliveryOptions options, TimeProvider clock)
{
    private const int MaxConcurrentUpdateTries = 10;
    private readonly ConcurrentDictionary<string, bool> _waiting = new(StringComparer.Ordinal);

    /// <summary>This instance last saw the destination failing or paused: a route for it waits rather than calling it.</summary>
    public bool KnownWaiting(string destination) => _waiting.TryGetValue(destination, out var waiting) && waiting;

    private static string HealthPath(string destination) => $"health/{destination}.json";

    private static string WaitingPrefix(string destination) => $"waiting/{destination}/";

    public async Task<(DestinationHealthRecord? Record, ETag? ETag)> ReadAsync(string destination, CancellationToken ct)
    {
        await clients.EnsureCreatedOnceAsync(ct).ConfigureAwait(false);
        if (await clients.HandOff.DownloadIfExistsAsync(HealthPath(destination), ct).ConfigureAwait(false) is not { } blob)
        {
            _waiting[destination] = false;
            return (null, null);
        }

        var record = blob.Content.ToObjectFromJson(AppJsonContext.Default.DestinationHealthRecord)!;
        _waiting[destination] = record.Waiting;
        return (record, blob.Details.ETag);
    }

    /// <summary>Writes the record if nobody wrote since <paramref name="etag"/> was read (null: only if there is none). False when someone did.</summary>
    public async Task<bool> TryWriteAsync(DestinationHealthRecord record, ETag? etag, CancellationToken ct)
    {
        var condition = etag is { } match ? new BlobRequestConditions { IfMatch = match } : new BlobRequestConditions { IfNoneMatch = ETag.All };
        try
        {
            await clients.HandOff.UploadJsonAsync(HealthPath(record.Destination), record, AppJsonContext.Default.DestinationHealthRecord, condition, ct).ConfigureAwait(false);
            _waiting[record.Destination] = record.Waiting;
            return true;
        }
        catch (RequestFailedException e) when (BlobJson.LostRace(e))
        {
            return false;
        }
    }

    /// <summary>Puts a route in its destination's waiting index (again, if it is there already).</summary>
    public async Task AddWaitingAsync(string destination, string priority, DateTimeOffset acceptedAt, string reference, string routeKey, CancellationToken ct)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{WaitingPrefix(destination)}{priority}/{acceptedAt.UtcTicks:D19}/{reference}/{Uri.EscapeDataString(routeKey)}");
        await clients.HandOff.GetBlobClient(name).UploadAsync(BinaryData.Empty, overwrite: true, ct).ConfigureAwait(false);
    }

    /// <summary>Up to <paramref name="max"/> waiting routes, in release order.</summary>
    public async Task<IReadOnlyList<WaitingRoute>> ListWaitingAsync(string destination, int max, CancellationToken ct)
    {
        var found = new List<WaitingRoute>();
        await foreach (var page in clients.HandOff.GetBlobsAsync(new GetBlobsOptions { Prefix = WaitingPrefix(destination) }, ct).AsPages(pageSizeHint: max).ConfigureAwait(false))
        {
            foreach (var blob in page.Values)
            {
                var parts = blob.Name.Split('/');
                if (parts.Length == 6)
                {
                    found.Add(new WaitingRoute(blob.Name, parts[4], Uri.UnescapeDataString(parts[5])));
                }
            }

            break; // one page: the first ones in order
        }

        return found.Take(max).ToList();
    }

    /// <summary>Every destination with a health record, the ones not up first: two listings and a read per record.</summary>
    public async Task<IReadOnlyList<DestinationOverview>> OverviewAsync(CancellationToken ct)
    {
        await clients.EnsureCreatedOnceAsync(ct).ConfigureAwait(false);
        var waiting = new Dictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        await foreach (var blob in clients.HandOff.GetBlobsAsync(new GetBlobsOptions { Prefix = "waiting/" }, ct).ConfigureAwait(false))
        {
            if (blob.Name.Split('/') is { Length: 6 } parts)
            {
                var counts = waiting.TryGetValue(parts[1], out var found) ? found : waiting[parts[1]] = new(StringComparer.Ordinal);
                counts[parts[2]] = counts.GetValueOrDefault(parts[2]) + 1;
            }
        }

        var overview = new List<DestinationOverview>();
        await foreach (var blob in clients.HandOff.GetBlobsAsync(new GetBlobsOptions { Prefix = "health/" }, ct).ConfigureAwait(false))
        {
            if (await ReadAsync(blob.Name["health/".Length..^".json".Length], ct).ConfigureAwait(false) is ({ } r, _))
            {
                overview.Add(new DestinationOverview(r.Destination, r.Status, r.Since, r.Failures, r.LastError, r.NextProbeAt,
                    waiting.TryGetValue(r.Destination, out var counts) ? counts : new SortedDictionary<string, int>()));
            }
        }

        return [.. overview.OrderBy(d => d.Status == DestinationHealthRecord.Up).ThenBy(d => d.Destination, StringComparer.Ordinal)];
    }

    public async Task RemoveWaitingAsync(WaitingRoute route, CancellationToken ct) =>
        await clients.HandOff.DeleteBlobIfExistsAsync(route.BlobName, cancellationToken: ct).ConfigureAwait(false);

    /// <summary>
    /// A real attempt (or the breaker) found the destination down, or asking for time (<paramref name="retryAfter"/>, a 429).
    /// The first such report starts its waiting: one probe scheduled (the message first, then the record that names
    /// it, so a record never names a probe that was not sent). Later reports change nothing, except a longer
    /// Retry-After, or a probe long overdue (its message lost), which is scheduled again.
    /// </summary>
    public async Task ReportDownAsync(string destination, TimeSpan? retryAfter, string error, CancellationToken ct)
    {
        for (var attempt = 0; attempt < MaxConcurrentUpdateTries; attempt++)
        {
            var (current, etag) = await ReadAsync(destination, ct).ConfigureAwait(false);
            var now = clock.GetUtcNow();
            var asked = retryAfter is { } r ? TimeSpan.FromSeconds(Math.Clamp(r.TotalSeconds, 1, options.MaxRetryAfterSeconds)) : (TimeSpan?)null;
            DestinationHealthRecord next;
            if (current is { Waiting: true } waiting)
            {
                var overdue = waiting.NextProbeAt is not { } due || due < now - TimeSpan.FromSeconds(options.ProbeOverdueSeconds);
                var later = asked is { } pause && now + pause > waiting.NextProbeAt;
                if (!overdue && !later)
                {
                    return;
                }

                next = waiting with
                {
                    Status = later ? DestinationHealthRecord.Paused : waiting.Status,
                    NextProbeAt = later ? now + asked!.Value : now + TimeSpan.FromSeconds(waiting.ProbeDelaySeconds),
                    LastError = error,
                };
                if (!later || overdue)
                {
                    next = next with { ProbeId = NewProbeId() };
                }
            }
            else
            {
                var delay = options.FirstProbeSeconds;
                next = new DestinationHealthRecord(destination, asked is null ? DestinationHealthRecord.Failing : DestinationHealthRecord.Paused, now, 1, delay,
                    now + (asked ?? TimeSpan.FromSeconds(delay)), NewProbeId(), error);
            }

            if (next.ProbeId != current?.ProbeId)
            {
                await ScheduleProbeAsync(next, ct).ConfigureAwait(false);
            }

            if (await TryWriteAsync(next, etag, ct).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>After a route has gone into the waiting index: whether its destination is still down (else the route goes now).</summary>
    public async Task<bool> StillDownAsync(string destination, CancellationToken ct)
    {
        var (record, _) = await ReadAsync(destination, ct).ConfigureAwait(false);
        if (record is { Waiting: true, NextProbeAt: { } due } && due < clock.GetUtcNow() - TimeSpan.FromSeconds(options.ProbeOverdueSeconds))
        {
            await ReportDownAsync(destination, null, record.LastError ?? "probe overdue", ct).ConfigureAwait(false); // its probe was lost: schedule another
        }

        return record is { Waiting: true };
    }

    public Task ScheduleProbeAsync(DestinationHealthRecord record, CancellationToken ct) =>
        schedule.ScheduleAsync(DeliveryMessage.ProbeOf(record.Destination, record.ProbeId!), record.NextProbeAt!.Value, ct);

    public Task ScheduleReleaseAsync(string destination, DateTimeOffset at, CancellationToken ct) =>
        schedule.ScheduleAsync(DeliveryMessage.ReleaseOf(destination), at, ct);

    public static string NewProbeId() => Guid.NewGuid().ToString("N")[..12];

    public DateTimeOffset Now => clock.GetUtcNow();
}
