using System.Collections.Concurrent;
using System.Net.Http.Json;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;
using Xunit.Abstractions;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// A force that is down or flaky, on a fake clock against Azurite and a loopback force: the waiting belongs
/// to the destination (one probe on a back-off, not every referral polling), a 429 is the force asking for
/// time, and when it answers again its referrals go at once, P1 first, each exactly once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DestinationOutageTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ForceServer _force = null!;
    private ForceServer _ceop = null!;

    public async Task InitializeAsync()
    {
        _force = await ForceServer.StartAsync();
        _ceop = await ForceServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _force.DisposeAsync();
        await _ceop.DisposeAsync();
    }

    // These tests poll twenty referrals' statuses until they change: the partner's rate limit is not what they test.
    private const string AdminKey = "outage-admin-key";

    private TestApp App() => HandOffTests.App(azurite, _clock, _force, _ceop,
        new() { [$"Partners:{TestApp.PartnerA}:RequestsPerMinute"] = "1000000", ["Admin:KeySha256"] = Intake.Partners.HashKey(AdminKey) });

    /// <summary>GET /api/admin/destinations, as an operator.</summary>
    private static async Task<IReadOnlyList<DestinationOverview>> DestinationsAsync(TestApp app)
    {
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        return (await admin.GetFromJsonAsync<IReadOnlyList<DestinationOverview>>("/api/admin/destinations", AppJsonContext.Default.Options))!;
    }

    /// <summary>The force's health as the hand-off keeps it, read with a client of the test's own (not counted as the app's).</summary>
    internal static async Task<DestinationHealthRecord?> HealthAsync(TestApp app, string destination = "west-mercia")
    {
        var blob = new BlobContainerClient(app.ConnectionString, $"{app.ContainerName}-handoff").GetBlobClient($"health/{destination}.json");
        return await blob.ExistsAsync() ? (await blob.DownloadContentAsync()).Value.Content.ToObjectFromJson(AppJsonContext.Default.DestinationHealthRecord) : null;
    }

    /// <summary>Each referral's status; null for one not read this time (the partner's status reads are rate-limited: a long wait may meet a 429).</summary>
    private static async Task<IReadOnlyList<ReferralStatusBody?>> StatusesAsync(TestApp app, IEnumerable<string> references) =>
        await Task.WhenAll(references.Select(app.StatusAsync));

    private static RouteBody Police(ReferralStatusBody status) => Assert.Single(status.Triage!.Routes, r => r.Kind == "police-force");

    private static bool Delivered(ReferralStatusBody? status) => status?.Triage?.Routes.Any(r => r.Kind == "police-force" && r.State == "delivered") == true;

    [Fact]
    public async Task Ten_referrals_each_refused_with_a_500_then_a_429_are_all_delivered_exactly_once_within_two_minutes()
    {
        var tries = new ConcurrentDictionary<string, int>();
        _force.Fallback = context =>
        {
            var key = context.Request.Headers[WebhookSignature.IdempotencyHeader].ToString();
            var answer = key.StartsWith("ping:", StringComparison.Ordinal) ? ForceServer.Answer(StatusCodes.Status200OK)
                : tries.AddOrUpdate(key, 1, (_, n) => n + 1) switch
                {
                    1 => ForceServer.Answer(StatusCodes.Status500InternalServerError),
                    2 => ForceServer.Answer(StatusCodes.Status429TooManyRequests, retryAfterSeconds: 1),
                    _ => ForceServer.Answer(StatusCodes.Status202Accepted),
                };
            return answer(context);
        };
        using var app = App();
        var start = _clock.GetUtcNow();
        var references = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            references.Add((await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference);
        }

        // The force's own count says when each was accepted (a status read per poll would meet the partner's rate limit).
        await Eventually.TrueAsync(
            () =>
            {
                _clock.Advance(TimeSpan.FromSeconds(0.5)); // time passes; the force's pauses and the probes come due
                return Task.FromResult(tries.Count(t => t.Value >= 3) == 10);
            },
            TimeSpan.FromSeconds(120), "all ten accepted by the force");
        var took = _clock.GetUtcNow() - start;
        Assert.True(took <= TimeSpan.FromMinutes(2), $"the last was delivered {took.TotalSeconds:0} s after the first was accepted");
        foreach (var reference in references)
        {
            var status = await Eventually.ValueAsync(() => app.StatusAsync(reference), Delivered, TimeSpan.FromSeconds(30), $"{reference} delivered");
            var key = ReferralDelivery.IdempotencyKeyOf(status.Reference, "police-force:west-mercia");
            Assert.Equal(3, tries[key]); // refused twice, accepted once: exactly once
            Assert.Equal(3, Police(status).Attempts);
            Assert.Single(status.Audit!, a => a.Event == "route-delivered");
            Assert.Equal([1, 2, 3], status.Audit!.Where(a => a.Event == "delivery-attempt").Select(a => a.Attempt)); // each real attempt, numbered
        }

        Assert.Equal(30, _force.Received.Count);
        Assert.Empty(_ceop.Received); // P2: nothing was late enough to escalate
    }

    [Fact]
    public async Task A_ten_hour_outage_with_twenty_referrals_waiting_costs_a_bounded_number_of_storage_calls_and_a_short_audit_trail()
    {
        _force.Fallback = ForceServer.Answer(StatusCodes.Status503ServiceUnavailable);
        using var app = App();
        var references = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            references.Add((await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference); // P3: no escalation within ten hours
        }

        foreach (var reference in references)
        {
            await Eventually.ValueAsync(async () => (await app.StatusAsync(reference))!, s => s.Audit?.Any(a => a.Event == "waiting-for-destination") == true,
                TimeSpan.FromSeconds(30), $"{reference} waiting for the force");
        }

        // Every triage finished (its message deleted), so its last look at the destination's health is not counted below.
        await Eventually.TrueAsync(async () => await app.QueueLengthAsync(app.Queue) == 0, TimeSpan.FromSeconds(30), "every triage message done with");
        var counter = app.Services.GetRequiredService<StorageCallCounter>();
        long Counted() => counter.Snapshot().Where(c => c.Key.Step != "referral.postpone").Sum(c => c.Value); // the hops of a message not yet due are the test's 0.1 s, not work
        var before = Counted();
        var stepsBefore = counter.Snapshot();
        var pingsBefore = _force.Pings.Count;
        var triedBefore = _force.Received.Count;
        Assert.InRange(triedBefore, 1, 20); // the first few tried once and found it down; the rest waited without trying
        var end = _clock.GetUtcNow() + TimeSpan.FromHours(10);
        while (_clock.GetUtcNow() < end)
        {
            _clock.Advance(TimeSpan.FromMinutes(5));
            var now = _clock.GetUtcNow();
            await Eventually.ValueAsync(() => HealthAsync(app), h => h is { Status: DestinationHealthRecord.Failing } && h.NextProbeAt > now,
                TimeSpan.FromSeconds(30), $"the probe due by {now:O} made");
        }

        var calls = Counted() - before;
        var pings = _force.Pings.Count - pingsBefore;
        // A probe is a read, a scheduled message and a write; nothing per waiting referral. 120 five-minute steps, a probe in each at most.
        output.WriteLine($"ten hours, 20 referrals waiting: {pings} probes, {calls} storage requests (bound: {3 * pings + 20})");
        var steps = counter.Snapshot().Where(c => c.Key.Step != "referral.postpone" && c.Value != stepsBefore.GetValueOrDefault(c.Key))
            .ToDictionary(c => $"{c.Key.Step} {c.Key.Call}", c => c.Value - stepsBefore.GetValueOrDefault(c.Key));
        foreach (var (step, count) in steps.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {step}: {count}");
        }

        Assert.InRange(pings, 100, 130);
        Assert.Equal(["referral.probe blob read", "referral.probe blob write", "referral.probe queue send"], steps.Keys.Order(StringComparer.Ordinal)); // probes only
        Assert.Equal((pings, pings), (steps["referral.probe blob write"], steps["referral.probe queue send"]));
        // A probe message taken twice (redelivered, or a replaced probe's) costs a read and stops; how many there are
        // depends on how the test's five-minute clock jumps meet the queue's real time (0 to 15 seen), never on the referrals.
        Assert.True(calls <= 3 * pings + 20, $"{calls} storage calls for {pings} probes over ten hours with 20 referrals waiting");
        Assert.Equal(triedBefore, _force.Received.Count); // ten hours of waiting: probes only, no referral's own try

        _force.Fallback = ForceServer.Answer(StatusCodes.Status202Accepted);
        var statuses = await Eventually.ValueAsync(
            async () =>
            {
                // The next probe (at most five minutes off) finds it answering. Small steps: a step as long as a claim (two
                // minutes) could run out a release's claim while its send is still in flight, and make a second send.
                _clock.Advance(TimeSpan.FromSeconds(10));
                return await StatusesAsync(app, references);
            },
            all => all.All(Delivered), TimeSpan.FromSeconds(60), "all delivered after the outage");
        foreach (var status in statuses.Select(s => s!))
        {
            Assert.True(status.Audit!.Count <= 20, $"{status.Reference}: {status.Audit!.Count} audit lines");
            Assert.Single(status.Audit!, a => a.Event == "waiting-for-destination");
            Assert.InRange(_force.Received.Count(r => r.Reference == status.Reference), 1, 2); // at most a first try, and the one that went through
        }

        Assert.Equal(triedBefore + 20, _force.Received.Count); // each delivered exactly once
    }

    [Fact]
    public async Task After_an_outage_the_waiting_P1s_reach_the_force_before_the_P2s()
    {
        _force.Fallback = ForceServer.Answer(StatusCodes.Status503ServiceUnavailable);
        using var app = App();
        var p2s = new List<string>();
        var p1s = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            p2s.Add((await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference); // the P2s first: accepted earlier
            _clock.Advance(TimeSpan.FromSeconds(1)); // each accepted at its own time
        }

        for (var i = 0; i < 5; i++)
        {
            p1s.Add((await app.SubmitAcceptedAsync(Samples.WestMerciaP1)).Reference);
        }

        foreach (var reference in p2s.Concat(p1s))
        {
            await Eventually.ValueAsync(async () => (await app.StatusAsync(reference))!, s => s.Audit?.Any(a => a.Event == "waiting-for-destination") == true,
                TimeSpan.FromSeconds(30), $"{reference} waiting for the force");
        }

        // What an operator sees: the force failing, and what waits for it.
        var during = Assert.Single(await DestinationsAsync(app), d => d.Destination == "west-mercia");
        Assert.Equal(("failing", 5, 5), (during.Status, during.Waiting.GetValueOrDefault("P1"), during.Waiting.GetValueOrDefault("P2")));

        var failedCalls = _force.Received.Count;
        _force.Fallback = ForceServer.Answer(StatusCodes.Status202Accepted);
        _clock.Advance(TimeSpan.FromSeconds(30)); // within the P1s' five minutes: no escalation; past the first probe and every route's own back-off
        await Eventually.ValueAsync<IReadOnlyList<ReferralStatusBody?>>(async () => await StatusesAsync(app, p1s.Concat(p2s)), all => all.All(Delivered),
            TimeSpan.FromSeconds(60), "all delivered after the outage");
        var after = await Eventually.ValueAsync(async () => Assert.Single(await DestinationsAsync(app), d => d.Destination == "west-mercia"),
            d => d.Status == "up" && d.Waiting.Count == 0, TimeSpan.FromSeconds(30), "the force up, nothing waiting");
        Assert.Equal(0, after.Failures);

        var order = _force.Received.Skip(failedCalls).Select(r => r.Reference).ToList();
        Assert.Equal(10, order.Count); // once each
        Assert.Equal(p1s.ToHashSet(), order.Take(5).ToHashSet());
        Assert.Equal(p2s, order.Skip(5)); // and the P2s in the order they were accepted
    }

    [Fact]
    public async Task A_waiting_route_whose_claim_outlived_a_killed_worker_is_delivered_once_the_claim_runs_out()
    {
        _force.Fallback = ForceServer.Answer(StatusCodes.Status503ServiceUnavailable);
        using var app = App();
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await Eventually.ValueAsync(async () => (await app.StatusAsync(reference))!, s => s.Audit?.Any(a => a.Event == "waiting-for-destination") == true,
            TimeSpan.FromSeconds(30), "the route waiting for the force");

        // A worker released it, claimed it, sent it and was SIGKILLed before saving: the route still waits, and is claimed.
        var claimedUntil = _clock.GetUtcNow() + TimeSpan.FromMinutes(2);
        var store = app.Services.GetRequiredService<ReferralStateStore>();
        await store.UpdateStateAsync(reference, s => s.WithDelivery("police-force:west-mercia", s.DeliveryOf("police-force:west-mercia")! with { ClaimedUntil = claimedUntil }), CancellationToken.None);
        _force.Fallback = ForceServer.Answer(StatusCodes.Status202Accepted);

        // The force answers again: its probe and release find the route claimed, which is not "failed again"; the
        // release comes back when the claim runs out, and the route is tried then.
        var delivered = await Eventually.ValueAsync(
            async () =>
            {
                _clock.Advance(TimeSpan.FromSeconds(5));
                return (await app.StatusAsync(reference))!;
            },
            Delivered, TimeSpan.FromSeconds(60), "delivered after the stale claim ran out");

        Assert.True(_clock.GetUtcNow() >= claimedUntil, "not tried under another worker's claim");
        Assert.Single(delivered.Audit!, a => a.Event == "delivery-attempt" && a.Outcome == "delivered"); // one try went through, after the claim
        Assert.Single(delivered.Audit!, a => a.Event == "route-delivered");
    }
}
