using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The hand-off of TRIAGE.md on a fake clock, against Azurite and loopback forces: a referral is
/// finished when the force has it. Scheduled work is real queue messages; the test moves the clock
/// and waits (bounded) for what the app does when the time comes.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HandOffTests(AzuriteFixture azurite) : IAsyncLifetime
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

    private TestApp App(Dictionary<string, string?>? extra = null) => App(azurite, _clock, _force, _ceop, extra);

    /// <summary>The hand-off tests' app: one loopback force and CEOP, one call per attempt, scheduled messages round at once, on the fake clock.</summary>
    internal static TestApp App(AzuriteFixture azurite, FakeTimeProvider clock, ForceServer force, ForceServer ceop, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Destinations:west-mercia:Url"] = force.Url.ToString(),
            ["Destinations:west-mercia:Secret"] = ForceServer.Secret,
            ["Destinations:ceop:Url"] = ceop.Url.ToString(),
            ["Destinations:ceop:Secret"] = ForceServer.Secret,
            ["Delivery:MaxRetries"] = "0",                    // one call per attempt, so the test can count them
            ["Delivery:MaxScheduleHopSeconds"] = "0.1",       // scheduled messages come round at once, and find out from the clock whether they are due
            ["Delivery:BreakerMinimumThroughput"] = "1000",
        };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }

        return new TestApp(azurite, settings, s => s.AddSingleton<TimeProvider>(clock));
    }

    private static Task<RouteBody> RouteWhenAsync(TestApp app, string reference, string kind, Func<RouteBody, bool> done, string what) =>
        Eventually.ValueAsync(
            async () => (await app.StatusAsync(reference))?.Triage?.Routes.FirstOrDefault(r => r.Kind == kind),
            done, TimeSpan.FromSeconds(30), $"{reference}: {what}");

    /// <summary>The status once its audit trail has an entry: a worker writes its audit lines after it saves the state.</summary>
    private static Task<ReferralStatusBody> AuditWhenAsync(TestApp app, string reference, Func<AuditEntry, bool> entry, string what) =>
        Eventually.ValueAsync(async () => (await app.StatusAsync(reference))!, s => s.Audit?.Any(entry) == true, TimeSpan.FromSeconds(30), $"{reference}: {what} in the audit");

    /// <summary>
    /// Moves the clock, then waits until what was due has happened: the route is settled or due later, or, while it
    /// waits for its force, the force's probe due by now has been made (the next one is later).
    /// </summary>
    private async Task<RouteBody> AdvanceAsync(TestApp app, string reference, TimeSpan by)
    {
        _clock.Advance(by);
        var now = _clock.GetUtcNow();
        return await Eventually.ValueAsync(
            async () =>
            {
                var route = (await app.StatusAsync(reference))?.Triage?.Routes.FirstOrDefault(r => r.Kind == "police-force");
                if (route is null || route.State != "retrying" || route.NextAttemptAt > now)
                {
                    return route;
                }

                return await DestinationOutageTests.HealthAsync(app) is { Waiting: true } health && health.NextProbeAt > now ? route : null;
            },
            _ => true, TimeSpan.FromSeconds(30), $"{reference}: the attempt or probe due by {now:O}");
    }

    /// <summary>Moves the clock, then waits until the force's probe due by now has been made.</summary>
    private async Task ProbedAsync(TestApp app, TimeSpan by)
    {
        _clock.Advance(by);
        var now = _clock.GetUtcNow();
        await Eventually.ValueAsync(() => DestinationOutageTests.HealthAsync(app), h => h.Waiting && h.NextProbeAt > now, TimeSpan.FromSeconds(30), $"the probe due by {now:O}");
    }

    [Fact]
    public async Task A_force_down_for_ten_minutes_gets_each_referral_exactly_once_when_it_recovers_and_nothing_goes_to_poison()
    {
        _force.Fallback = ForceServer.Answer(503);
        using var app = App();
        var references = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            references.Add((await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference);
        }

        foreach (var reference in references)
        {
            await AuditWhenAsync(app, reference, a => a.Event == "waiting-for-destination", "waiting for the force");
        }

        var triedBefore = _force.Received.Count;
        for (var minute = 0; minute < 10; minute++)
        {
            await ProbedAsync(app, TimeSpan.FromMinutes(1)); // the force is probed on its back-off; its referrals wait
        }

        Assert.True(_force.Pings.Count >= 5, $"{_force.Pings.Count} probes in ten minutes");
        Assert.Equal(triedBefore, _force.Received.Count); // no referral's own try while it was down
        var failedCalls = _force.Received.Count;
        _force.Fallback = ForceServer.Answer(202); // the force is back
        _clock.Advance(TimeSpan.FromMinutes(5));   // past the next probe (the back-off is at most five minutes)
        foreach (var reference in references)
        {
            var status = await app.StatusWhenAsync(reference, "delivered");
            var police = Assert.Single(status.Triage!.Routes, r => r.Kind == "police-force");
            Assert.Equal("delivered", police.State);
            Assert.InRange(police.Attempts ?? 0, 1, 2); // at most the try that found it down, then the one that went through
            Assert.Equal(police.Attempts, _force.Received.Count(r => r.Reference == reference)); // every call was an attempt, counted once
            Assert.Single(status.Audit!, a => a.Event == "route-delivered");
            Assert.Single(status.Audit!, a => a.Event == "waiting-for-destination");
        }

        Assert.Equal(references.Count, _force.Received.Skip(failedCalls).Count()); // after recovery: exactly one call each
        Assert.Empty(_ceop.Received); // P3: no escalation to CEOP
        foreach (var poison in new[] { app.PoisonQueue, app.UrgentPoisonQueue, app.DeliveryPoisonQueue })
        {
            Assert.Equal(0, await app.QueueLengthAsync(poison));
        }
    }

    [Fact]
    public async Task A_force_down_for_80_hours_leaves_the_route_undeliverable_after_72_and_CEOP_has_the_referral()
    {
        _force.Fallback = ForceServer.Answer(503);
        using var app = App();
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference;
        await RouteWhenAsync(app, reference, "police-force", r => r.State == "retrying", "the first retry scheduled");

        var afterADay = await AdvanceAsync(app, reference, TimeSpan.FromHours(25));
        var status = await AuditWhenAsync(app, reference, a => a.Event == "alert", "the P3 alert");
        Assert.Equal("retrying", afterADay.State);
        Assert.Single(status.Audit!, a => a.Event == "alert" && a.Detail!.StartsWith("P3: not delivered to West Mercia Police within 1 days", StringComparison.Ordinal)); // P3 alerts operations
        Assert.Empty(_ceop.Received);

        var justInside = await AdvanceAsync(app, reference, TimeSpan.FromHours(72) - TimeSpan.FromHours(25) - TimeSpan.FromMinutes(5));
        Assert.Equal("retrying", justInside.State); // still within the 72-hour window
        Assert.Empty(_ceop.Received);

        _clock.Advance(TimeSpan.FromMinutes(10)); // past the 72 hours: its window-end message gives the route up
        var given = await RouteWhenAsync(app, reference, "police-force", r => r.State != "retrying", "the route settled after its 72 hours");
        Assert.Equal("undeliverable", given.State);
        var delivered = await app.StatusWhenAsync(reference, "delivered"); // CEOP has it
        var ceop = Assert.Single(delivered.Triage!.Routes, r => r.Kind == "ceop");
        Assert.Equal("delivered", ceop.State);
        Assert.StartsWith("Fallback: West Mercia Police could not be reached for 72 hours", ceop.Reason, StringComparison.Ordinal);
        Assert.Single(_ceop.Received);
        Assert.Contains(delivered.Audit!, a => a.Event == "undeliverable" && a.Destination == "police-force:west-mercia");
        Assert.Equal(0, await app.QueueLengthAsync(app.DeliveryPoisonQueue));
    }

    [Theory]
    [InlineData("P1", 5)]
    [InlineData("P2", 60)]
    public async Task A_referral_not_with_its_force_by_its_deadline_also_goes_to_CEOP_marked_escalated(string priority, int minutes)
    {
        _force.Fallback = ForceServer.Answer(503);
        using var app = App();
        var reference = (await app.SubmitAcceptedAsync(priority == "P1" ? Samples.WestMerciaP1 : Samples.WestMerciaP2)).Reference;
        await RouteWhenAsync(app, reference, "police-force", r => r.State == "retrying", "the first retry scheduled");

        var before = await AdvanceAsync(app, reference, TimeSpan.FromMinutes(minutes) - TimeSpan.FromSeconds(2));
        Assert.Null(before.Escalated);
        Assert.Empty(_ceop.Received); // not yet: the deadline has not passed

        _clock.Advance(TimeSpan.FromSeconds(4));
        await RouteWhenAsync(app, reference, "ceop", r => r.State == "delivered", "CEOP to have the escalated referral");
        var status = await AuditWhenAsync(app, reference, a => a.Event == "route-delivered" && a.Destination == "ceop", "CEOP's delivery");

        var police = Assert.Single(status.Triage!.Routes, r => r.Kind == "police-force");
        var expected = priority == "P1"
            ? "P1: not delivered to West Mercia Police within 5 minutes of acceptance."
            : "P2: not delivered to West Mercia Police within 1 hours of acceptance.";
        Assert.Equal(expected, police.Escalated);
        Assert.Equal("retrying", police.State); // the force route goes on being tried
        Assert.Equal("triaged", status.Status);  // so the referral is not done until the force has it too
        var ceop = Assert.Single(status.Triage.Routes, r => r.Kind == "ceop");
        Assert.Equal(("delivered", $"Escalated: {expected}"), (ceop.State, ceop.Reason));
        Assert.Single(status.Audit!, a => a.Event == "escalated" && a.Detail == expected);
        Assert.Single(_ceop.Received.Select(r => r.IdempotencyKey).Distinct(), $"{reference}:ceop");
    }

    [Fact]
    public async Task A_report_that_is_P1_on_its_own_facts_waits_on_the_urgent_queue_not_behind_the_others()
    {
        using var app = App(new() { [TestApp.QueueTriggersOff] = "true" });

        var p2 = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        var p1 = await app.SubmitAcceptedAsync(Samples.WestMerciaP1);

        var urgent = (await app.UrgentQueue.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString());
        var others = (await app.Queue.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString());

        Assert.Equal([p1.Reference], urgent);
        Assert.Equal([p2.Reference], others);
    }

    [Fact]
    public async Task A_route_waiting_for_its_force_spends_no_chance_and_goes_once_a_probe_finds_the_force_up()
    {
        _force.Fallback = ForceServer.Answer(503);
        using var app = App();
        var failing = (await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference;
        await RouteWhenAsync(app, failing, "police-force", r => r is { State: "retrying", Attempts: 1 }, "a failed attempt");

        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference;
        var waiting = await AuditWhenAsync(app, reference, a => a.Event == "waiting-for-destination", "waiting for the force");

        Assert.Equal(0, Assert.Single(waiting.Triage!.Routes, r => r.Kind == "police-force").Attempts); // the force was known down: not called, no chance spent
        Assert.Single(_force.Received);

        _force.Fallback = ForceServer.Answer(202);
        var delivered = await Eventually.ValueAsync(
            async () =>
            {
                _clock.Advance(TimeSpan.FromSeconds(2)); // the probe comes due
                return (await app.StatusAsync(reference))!;
            },
            s => s.Status == "delivered", TimeSpan.FromSeconds(30), "delivered once the probe found the force up");
        Assert.Equal(1, Assert.Single(delivered.Triage!.Routes, r => r.Kind == "police-force").Attempts);
        Assert.Single(_force.Received, r => r.Reference == reference);
        Assert.DoesNotContain(delivered.Audit!, a => a.Event == "delivery-attempt" && a.Outcome == "circuit-open"); // an idle wait is not an attempt
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_tried_again_no_sooner_than_the_force_asked()
    {
        _force.Fallback = ForceServer.Answer(429, retryAfterSeconds: 600);
        using var app = App();
        var acceptedAt = _clock.GetUtcNow();

        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference;
        var route = await RouteWhenAsync(app, reference, "police-force", r => r.State == "retrying", "scheduled after the 429");

        Assert.True(route.NextAttemptAt >= acceptedAt.AddSeconds(600), $"next attempt {route.NextAttemptAt:O}, asked for 600 s after {acceptedAt:O}");
        var early = await AdvanceAsync(app, reference, TimeSpan.FromSeconds(300));
        Assert.Equal(1, early.Attempts); // not tried again before the force's time
        _force.Fallback = ForceServer.Answer(202);
        _clock.Advance(TimeSpan.FromSeconds(301));
        await app.StatusWhenAsync(reference, "delivered");
        Assert.Equal(2, _force.Received.Count);
    }

    [Fact]
    public async Task A_redirect_is_never_followed_and_counts_as_a_failed_attempt()
    {
        await using var elsewhere = await ForceServer.StartAsync();
        _force.Fallback = ForceServer.Redirect(elsewhere.Url);
        using var app = App();

        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP3)).Reference;
        var route = await RouteWhenAsync(app, reference, "police-force", r => r.State == "retrying", "the redirect counted as a failure");

        Assert.Equal(1, route.Attempts);
        Assert.Empty(elsewhere.Received); // the signed document went nowhere else
        var status = await AuditWhenAsync(app, reference, a => a.Event == "delivery-attempt" && a.StatusCode == 307 && a.Outcome == "failed", "the redirected attempt");
        Assert.NotEqual("delivered", status.Status);
    }

    [Fact]
    public async Task Twenty_concurrent_submissions_with_one_Idempotency_Key_queue_the_referral_once()
    {
        using var app = App(new() { [TestApp.QueueTriggersOff] = "true" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.SubmitAsync(Samples.WestMerciaP2, idempotencyKey: "same-key-queued")));
        foreach (var answer in answers)
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.StatusCode);
            answer.Dispose();
        }

        using var late = await app.SubmitAsync(Samples.WestMerciaP2, idempotencyKey: "same-key-queued"); // a partner's late retry

        Assert.Equal(System.Net.HttpStatusCode.Accepted, late.StatusCode);
        Assert.Single((await app.Queue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task A_retry_after_the_first_attempt_died_between_storing_and_queueing_queues_the_referral()
    {
        using var app = App(new() { [TestApp.QueueTriggersOff] = "true" });
        const string key = "died-before-queueing";
        var body = System.Text.Encoding.UTF8.GetBytes(Samples.WestMerciaP2);
        var report = Domain.Reports.ConcernReportReader.Read(body).Report!;
        var reference = Intake.References.New();

        // What the first attempt did before it was killed: claimed the key and stored the report, not queued.
        var keyHash = Intake.Partners.HashKey(key);
        await app.Services.GetRequiredService<Storage.StorageClients>().EnsureCreatedOnceAsync(CancellationToken.None);
        Assert.True(await app.Services.GetRequiredService<Storage.IdempotencyStore>().TryClaimAsync(TestApp.PartnerA, keyHash,
            new Storage.IdempotencyRecord(reference, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), _clock.GetUtcNow()), CancellationToken.None));
        await app.Services.GetRequiredService<Storage.ReportStore>().StoreAsync(reference, TestApp.PartnerA, report, _clock.GetUtcNow(), null, keyHash, CancellationToken.None);
        Assert.Empty((await app.Queue.PeekMessagesAsync(32)).Value);

        var retried = await app.SubmitAcceptedAsync(Samples.WestMerciaP2, key); // the partner's retry, at once
        using var again = await app.SubmitAsync(Samples.WestMerciaP2, key);      // and another: queued already

        Assert.Equal(reference, retried.Reference);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal([reference], (await app.Queue.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()));
    }

    [Fact]
    public async Task Twenty_concurrent_submissions_with_one_Idempotency_Key_make_one_referral_and_one_POST()
    {
        using var app = App();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.SubmitAsync(Samples.WestMerciaP2, idempotencyKey: "same-key-20")));
        var references = new HashSet<string>();
        foreach (var answer in answers)
        {
            Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.StatusCode);
            references.Add((await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<AcceptedReferral>(answer.Content))!.Reference);
            answer.Dispose();
        }

        var reference = Assert.Single(references);
        var status = await app.StatusWhenAsync(reference, "delivered");
        await Eventually.TrueAsync(async () => await app.QueueLengthAsync(app.Queue) == 0, TimeSpan.FromSeconds(30), "every triage message handled");

        Assert.Single(_force.Received);
        Assert.Single(status.Audit!, a => a.Event == "triaged");
        Assert.Single(status.Audit!, a => a.Event == "route-delivered");
    }
}
