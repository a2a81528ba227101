using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;
using ReferralIntake.Functions.TriageReferral;

namespace ReferralIntake.Functions.Tests;

/// <summary>Every routed referral gets there, once in effect, against a real HTTP force endpoint on loopback.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class DeliveryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string AdminKey = "test-admin-key";
    private ForceServer _force = null!;

    public async Task InitializeAsync() => _force = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _force.DisposeAsync();

    private Dictionary<string, string?> ForceSettings(int maxRetries = 3, int breakerThroughput = 1000) => new()
    {
        ["Destinations:west-mercia:Url"] = _force.Url.ToString(),
        ["Destinations:west-mercia:Secret"] = ForceServer.Secret,
        ["Delivery:PerAttemptTimeoutSeconds"] = "1",
        ["Delivery:RetryBaseDelaySeconds"] = "0.05",
        ["Delivery:MaxRetries"] = maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Delivery:BreakerMinimumThroughput"] = breakerThroughput.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["HandOff:FirstRetrySeconds"] = "0.2", // real time here: the scheduled retry comes round at once
        ["Delivery:MaxScheduleHopSeconds"] = "0.2",
        ["Admin:KeySha256"] = Partners.HashKey(AdminKey),
    };

    [Fact]
    public async Task Retries_back_off_honour_Retry_After_survive_a_timeout_and_deliver_once_in_effect()
    {
        _force.Then(ForceServer.Answer(500), ForceServer.Answer(429, retryAfterSeconds: 1), ForceServer.Slow(TimeSpan.FromSeconds(5)));
        using var app = new TestApp(azurite, ForceSettings());

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        var status = await app.StatusWhenAsync(accepted.Reference, "delivered");

        var received = _force.Received.ToArray();
        Assert.Equal(4, received.Length);
        Assert.All(received, r => Assert.Equal($"{accepted.Reference}:police-force:west-mercia", r.IdempotencyKey));
        Assert.True(received[2].At - received[1].At >= TimeSpan.FromSeconds(0.9), "the retry after a 429 waits for its Retry-After");
        var attempts = status.Audit!.Where(a => a.Event == "delivery-attempt").ToArray();
        Assert.Equal([("failed", (int?)500), ("failed", 429), ("timed-out", null), ("delivered", 202)], attempts.Select(a => (a.Outcome!, a.StatusCode)));
        Assert.All(attempts, a => Assert.Equal("police-force:west-mercia", a.Destination));
    }

    [Fact]
    public async Task The_document_is_signed_so_the_force_can_verify_it_with_the_shared_secret_only()
    {
        using var app = new TestApp(azurite, ForceSettings());
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");

        var delivery = Assert.Single(_force.Received);
        var now = DateTimeOffset.UtcNow;
        Assert.True(WebhookSignature.Verify(ForceServer.Secret, delivery.Timestamp, delivery.IdempotencyKey, delivery.Signature, delivery.Body, now));
        Assert.False(WebhookSignature.Verify("another-secret", delivery.Timestamp, delivery.IdempotencyKey, delivery.Signature, delivery.Body, now));
        Assert.False(WebhookSignature.Verify(ForceServer.Secret, delivery.Timestamp, delivery.IdempotencyKey, delivery.Signature, [.. delivery.Body, (byte)' '], now));
        Assert.False(WebhookSignature.Verify(ForceServer.Secret, delivery.Timestamp, delivery.IdempotencyKey, delivery.Signature, delivery.Body, now.AddMinutes(10)));
        Assert.False(WebhookSignature.Verify(ForceServer.Secret, delivery.Timestamp, delivery.IdempotencyKey + "x", delivery.Signature, delivery.Body, now)); // the key is signed too

        var document = JsonSerializer.Deserialize<ReferralDocument>(delivery.Body, ContractMapping.Json)!;
        Assert.Equal((1, accepted.Reference), (document.ContractVersion, document.Reference));
        Assert.Equal(Samples.SecretDescription, document.Report.Concern.Description); // delivered as written
        Assert.Equal("P2", document.Triage.Priority);
        Assert.NotEmpty(document.Triage.Reasons);
    }

    /// <summary>The app's own webhook registration, on a fake clock (a break passes when the test says so): no retries, a breaker that opens after 2 failures for 30 s.</summary>
    private static ServiceProvider SenderOnClock(TimeProvider clock) => new ServiceCollection()
        .AddSingleton(clock)
        .AddSingleton(new DeliveryOptions { MaxRetries = 0, BreakerMinimumThroughput = 2, BreakSeconds = 30, PerAttemptTimeoutSeconds = 60 })
        .AddWebhookDelivery()
        .BuildServiceProvider();

    [Fact]
    public async Task The_breaker_opens_on_a_failing_force_without_holding_up_another_then_closes_when_it_recovers()
    {
        await using var healthy = await ForceServer.StartAsync();
        _force.Fallback = ForceServer.Answer(503);
        // The app's own registration, on a fake clock: the break passes when the test says so, not in real time.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = SenderOnClock(clock);
        var sender = services.GetRequiredService<WebhookSender>();
        var failing = new Destination("force-a", _force.Url, ForceServer.Secret);
        var other = new Destination("force-b", healthy.Url, ForceServer.Secret);
        var attempts = new List<DeliveryAttempt>();
        Task Send(Destination d) => sender.SendAsync(d, "RI-TEST-0000-0000", "key", "{}"u8.ToArray(), attempts, CancellationToken.None);

        await Assert.ThrowsAsync<DeliveryFailedException>(() => Send(failing));
        await Assert.ThrowsAsync<DeliveryFailedException>(() => Send(failing));
        var open = await Assert.ThrowsAsync<DeliveryFailedException>(() => Send(failing));
        await Send(other);

        Assert.Contains("circuit is open", open.Message, StringComparison.Ordinal);
        Assert.Equal(2, _force.Received.Count); // the open breaker did not call the failing force
        Assert.Single(healthy.Received);        // the other force was not held up
        Assert.Equal(["failed", "failed", "circuit-open", "delivered"], attempts.Select(a => a.Outcome));

        _force.Fallback = ForceServer.Answer(202);
        clock.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<DeliveryFailedException>(() => Send(failing)); // still open within the break
        Assert.Equal(2, _force.Received.Count);

        clock.Advance(TimeSpan.FromSeconds(2));
        await Send(failing); // half-open after the break: one trial call, which now succeeds and closes it
        await Send(failing);
        Assert.Equal(4, _force.Received.Count);
    }

    [Fact]
    public async Task A_429_is_the_force_asking_for_time_and_never_opens_its_breaker()
    {
        _force.Then([.. Enumerable.Repeat(ForceServer.Answer(429, retryAfterSeconds: 1), 5)]);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = SenderOnClock(clock);
        var sender = services.GetRequiredService<WebhookSender>();
        var force = new Destination("force-a", _force.Url, ForceServer.Secret);
        var attempts = new List<DeliveryAttempt>();
        Task Send() => sender.SendAsync(force, "RI-TEST-0000-0000", "key", "{}"u8.ToArray(), attempts, CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            var refused = await Assert.ThrowsAsync<DeliveryFailedException>(Send);
            Assert.True(refused.AskedForTime);
            Assert.False(refused.CircuitOpen);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        }

        await Send(); // at once, on the same clock: no break to wait out, as there would be after five failures

        Assert.Equal(6, _force.Received.Count); // every call reached the force: the breaker never opened
        Assert.Equal([.. Enumerable.Repeat("failed", 5), "delivered"], attempts.Select(a => a.Outcome));
        Assert.DoesNotContain(attempts, a => a.Outcome == "circuit-open");
    }

    [Fact]
    public async Task A_force_that_is_down_is_probed_and_gets_the_referral_when_it_answers_and_never_parks_it_in_poison()
    {
        // Down for four calls, then up: the first attempt's two calls, then two pings; the third ping finds it up.
        _force.Then([.. Enumerable.Repeat(ForceServer.Answer(503), 4)]);
        using var app = new TestApp(azurite, ForceSettings(maxRetries: 1));

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        var delivered = await app.StatusWhenAsync(accepted.Reference, "delivered", TimeSpan.FromSeconds(60));

        var police = Assert.Single(delivered.Triage!.Routes, r => r.Kind == "police-force");
        Assert.Equal(("delivered", 2), (police.State, police.Attempts)); // the attempt that found it down, and the one after it answered
        Assert.Equal(3, _force.Received.Count);                          // 2 calls, then 1
        Assert.Equal(3, _force.Pings.Count);                             // 2 refused, the third answered: no referral's own try was spent on them
        Assert.Single(_force.Received.Select(r => r.IdempotencyKey).Distinct());
        Assert.Single(delivered.Audit!, a => a.Event == "waiting-for-destination");
        Assert.Single(delivered.Audit!, a => a.Event == "route-delivered");
        foreach (var poison in new[] { app.PoisonQueue, app.UrgentPoisonQueue, app.DeliveryPoisonQueue })
        {
            Assert.Equal(0, await app.QueueLengthAsync(poison));
        }
    }

    [Fact]
    public async Task A_referral_the_service_cannot_process_goes_to_poison_and_a_replay_after_the_fix_delivers_exactly_once()
    {
        FlakyDelivery? flaky = null;
        using var app = new TestApp(azurite, ForceSettings(), services => services.AddSingleton<IReferralDelivery>(sp => flaky = new FlakyDelivery(sp.GetRequiredService<ReferralDelivery>())));
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await Eventually.TrueAsync(async () => await app.QueueLengthAsync(app.PoisonQueue) == 1, TimeSpan.FromSeconds(60), "the poison message");
        var failed = (await app.StatusAsync(accepted.Reference))!;

        Assert.Equal("failed", failed.Status);
        Assert.Contains("a bug in a release (test)", failed.FailureReason, StringComparison.Ordinal);
        Assert.Empty(_force.Received);
        var poisoned = await admin.GetFromJsonAsync<List<JsonElement>>("/api/admin/poison");
        Assert.Contains(poisoned!, p => p.GetProperty("reference").GetString() == accepted.Reference
            && p.GetProperty("failureReason").GetString()!.Contains("bug", StringComparison.Ordinal));

        flaky!.Fixed = true; // the fix is deployed
        using var replay = await admin.PostAsJsonAsync("/api/admin/poison/replay", new { references = new[] { accepted.Reference } });
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var delivered = await app.StatusWhenAsync(accepted.Reference, "delivered");
        using var again = await admin.PostAsJsonAsync("/api/admin/poison/replay", new { all = true });

        Assert.Single(_force.Received); // exactly one delivery
        Assert.Contains(delivered.Audit!, a => a.Event == "replayed");
        Assert.Equal(0, await app.QueueLengthAsync(app.PoisonQueue));
        Assert.Empty((await again.Content.ReadFromJsonAsync<AdminReplay>())!.Replayed);
    }

    /// <summary>The real hand-off behind a bug that a test can fix.</summary>
    private sealed class FlakyDelivery(ReferralDelivery real) : IReferralDelivery
    {
        public volatile bool Fixed;

        public Task<bool> DeliverAsync(Storage.ReferralWork work, Domain.Triage.TriageDecision? decision, long dequeueCount, CancellationToken ct, Links.ReferralLinks? links = null) =>
            Fixed ? real.DeliverAsync(work, decision, dequeueCount, ct, links) : throw new InvalidOperationException("a bug in a release (test)");
    }

    [Fact]
    public async Task Two_routes_are_delivered_independently_so_one_failing_does_not_redeliver_the_other()
    {
        _force.Then(ForceServer.Answer(500)); // the first try at the force fails; the next succeeds
        using var app = new TestApp(azurite, ForceSettings(maxRetries: 0));
        const string report = """
            {"reporter":{"role":"child"},"child":{"age":15,"postcode":"B45 8AB"},
             "concern":{"description":"He has shared a photo of me with other people","indicators":["imagesShared"]}}
            """;

        var accepted = await app.SubmitAcceptedAsync(report);
        var status = await app.StatusWhenAsync(accepted.Reference, "delivered");

        Assert.Equal(["police-force", "childline", "report-remove"], status.Triage!.Routes.Select(r => r.Kind));
        var events = status.Audit!.Select(a => (a.Event, a.Destination)).ToArray();
        Assert.Single(events, e => e == ("waiting-for-destination", "police-force:west-mercia")); // its force failed once: it waited for it, once
        Assert.Single(events, e => e == ("route-delivered", "police-force:west-mercia"));
        Assert.Single(events, e => e == ("advice-recorded", "report-remove"));
        Assert.Single(events, e => e == ("advice-recorded", "childline"));
    }

    [Fact]
    public async Task A_partner_with_a_callback_hears_the_decision_and_outcomes_signed_and_without_the_report()
    {
        await using var partner = await ForceServer.StartAsync();
        var settings = ForceSettings();
        settings[$"Partners:{TestApp.PartnerA}:CallbackUrl"] = partner.Url.ToString();
        settings[$"Partners:{TestApp.PartnerA}:CallbackSecret"] = "partner-secret";
        using var app = new TestApp(azurite, settings);

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await Eventually.TrueAsync(() => Task.FromResult(!partner.Received.IsEmpty), TimeSpan.FromSeconds(30), "the partner callback");

        var callback = Assert.Single(partner.Received);
        Assert.True(WebhookSignature.Verify("partner-secret", callback.Timestamp, callback.IdempotencyKey, callback.Signature, callback.Body, DateTimeOffset.UtcNow));
        var body = JsonSerializer.Deserialize<PartnerCallback>(callback.Body, ContractMapping.Json)!;
        Assert.Equal((accepted.Reference, "delivered"), (body.Reference, body.Status));
        Assert.Equal("delivered", Assert.Single(body.Triage!.Routes, r => r.Kind == "police-force").State);
        Assert.DoesNotContain("canary-7f3a", System.Text.Encoding.UTF8.GetString(callback.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_force_endpoints_the_local_inbox_is_the_force_view_opened_as_any_force()
    {
        using var app = new TestApp(azurite);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = app.Client.BaseAddress };

        var signIn = await browser.GetStringAsync("/inbox"); // the old address leads to the force view
        using var opened = await FormPost.SendAsync(browser, signIn, "/force/sign-in", ("localForce", "west-mercia"));
        var list = await opened.Content.ReadAsStringAsync();
        var detail = await browser.GetStringAsync($"/force/referrals/{accepted.Reference}");

        Assert.Contains("Local development: open as a force", signIn, StringComparison.Ordinal);
        Assert.Equal("/force/referrals", opened.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("Referrals for West Mercia Police", list, StringComparison.Ordinal);
        Assert.Contains(accepted.Reference, list, StringComparison.Ordinal);
        Assert.Contains("Images were requested from a child aged 12", detail, StringComparison.Ordinal);
        Assert.Contains("keep our chats secret", detail, StringComparison.Ordinal);
        Assert.Contains("Accept this referral", detail, StringComparison.Ordinal);

        // A hand-made post without a choice, or with a note past 500 characters, is told what was wrong and records nothing.
        Task<HttpResponseMessage> Acknowledge(params (string Name, string Value)[] fields) =>
            FormPost.SendAsync(browser, detail, $"/force/referrals/{accepted.Reference}/acknowledgement", fields);
        async Task<string?> ForceRouteState() => Assert.Single((await app.StatusAsync(accepted.Reference))!.Triage!.Routes, r => r.Kind == "police-force").State;
        using var noChoice = await Acknowledge();
        using var longNote = await Acknowledge(("outcome", "accepted"), ("note", new string('n', 501)));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (noChoice.StatusCode, longNote.StatusCode));
        Assert.Contains("Choose &quot;Accept this referral&quot; or &quot;Not our area&quot;", await noChoice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("500 characters or fewer", await longNote.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("delivered", await ForceRouteState());

        using var accept = await Acknowledge(("outcome", "accepted"));
        Assert.Equal("?done=accepted", accept.RequestMessage!.RequestUri!.Query);
        Assert.Equal("acknowledged", await ForceRouteState());
    }

    [Fact]
    public async Task The_inbox_does_not_exist_outside_local_development_and_admin_needs_its_key()
    {
        using var azureLike = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true", ["LocalInbox:Enabled"] = "false", ["Admin:KeySha256"] = Partners.HashKey(AdminKey) });
        using var noAdmin = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true" });

        using var inbox = await azureLike.Client.GetAsync("/inbox");
        var forceSignIn = await azureLike.Client.GetStringAsync("/force");
        using var wrongKey = await azureLike.Client.GetAsync("/api/admin/poison");
        using var adminOff = await noAdmin.Client.GetAsync("/api/admin/poison");

        Assert.Equal(HttpStatusCode.NotFound, inbox.StatusCode);
        Assert.DoesNotContain("open as a force", forceSignIn, StringComparison.OrdinalIgnoreCase); // only its key opens a force's view
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, adminOff.StatusCode);
    }

    private sealed record AdminReplay(List<string> Replayed);
}
