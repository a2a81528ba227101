using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Forces close the loop (API.md, "Force hand-off"): their own keys, acknowledgement, and "not our area".</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ForceApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly string[] Forces = ["west-mercia", "warwickshire", "staffordshire", "ceop"];
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private ForceServer _forces = null!;
    private ForceServer _ceop = null!;

    public async Task InitializeAsync()
    {
        _forces = await ForceServer.StartAsync();
        _ceop = await ForceServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _forces.DisposeAsync();
        await _ceop.DisposeAsync();
    }

    private static string KeyOf(string forceId) => $"force-key-{forceId}";

    private const string PullSecret = "pull-secret-west-mercia";

    /// <param name="pullingForce">A force set to pull (no webhook), with its own signing secret.</param>
    /// <param name="partnerCallback">Where partner A's callback goes, if anywhere.</param>
    /// <param name="webhookOnlyForce">A force that takes webhooks into its own systems and does not use the force view.</param>
    private TestApp App(string? pullingForce = null, Uri? partnerCallback = null, string? webhookOnlyForce = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Destinations:default:Url"] = _forces.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            ["Destinations:ceop:Url"] = _ceop.Url.ToString(),
            ["Destinations:ceop:Secret"] = ForceServer.Secret,
            ["Delivery:MaxScheduleHopSeconds"] = "0.1",
        };
        foreach (var force in Forces)
        {
            settings[$"Forces:{force}:KeySha256"] = Partners.HashKey(KeyOf(force));
        }

        if (pullingForce is not null)
        {
            settings[$"Destinations:{pullingForce}:Pull"] = "true";
            settings[$"Destinations:{pullingForce}:Secret"] = PullSecret;
        }

        if (webhookOnlyForce is not null)
        {
            settings[$"Destinations:{webhookOnlyForce}:Url"] = _forces.Url.ToString();
            settings[$"Destinations:{webhookOnlyForce}:Secret"] = ForceServer.Secret;
            settings[$"Destinations:{webhookOnlyForce}:ForceView"] = "false";
        }

        if (partnerCallback is not null)
        {
            settings[$"Partners:{TestApp.PartnerA}:CallbackUrl"] = partnerCallback.ToString();
            settings[$"Partners:{TestApp.PartnerA}:CallbackSecret"] = "partner-secret";
        }

        return new TestApp(azurite, settings, s => s.AddSingleton<TimeProvider>(_clock));
    }

    private static async Task<HttpResponseMessage> AcknowledgeAsync(TestApp app, string forceId, string reference, string outcome, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/forces/{forceId}/referrals/{reference}/acknowledgement")
        {
            Content = JsonContent.Create(new { outcome, note = "Checked by the duty sergeant" }),
        };
        request.Headers.Add("X-Api-Key", key ?? KeyOf(forceId));
        using var client = app.CreateClient();
        return await client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> GetAsForceAsync(TestApp app, string path, string key) => app.GetWithKeyAsync(path, key);

    private static Task<RouteBody> RouteWhenAsync(TestApp app, string reference, string kind, string? forceId, Func<RouteBody, bool> done, string what) =>
        Eventually.ValueAsync(
            async () => (await app.StatusAsync(reference))?.Triage?.Routes.FirstOrDefault(r => r.Kind == kind && r.ForceId == forceId),
            done, TimeSpan.FromSeconds(30), $"{reference}: {what}");

    [Fact]
    public async Task A_webhook_force_that_does_not_use_the_force_view_gets_its_referral_with_no_copy_kept_and_acknowledges_it_from_its_own_system()
    {
        using var app = App(webhookOnlyForce: "west-mercia");
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        Assert.Single(_forces.Received, r => r.IdempotencyKey == $"{reference}:police-force:west-mercia");
        Assert.False((await app.Container.GetBlobClient(Storage.ForceInboxStore.DocumentPath("west-mercia", reference)).ExistsAsync()).Value); // no copy
        using var list = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals", KeyOf("west-mercia"));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain(reference, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal); // and no list entry

        using var ack = await AcknowledgeAsync(app, "west-mercia", reference, "accepted");
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal("acknowledged", (await app.StatusAsync(reference))!.Status);
    }

    [Fact]
    public async Task A_P1_acknowledged_in_time_does_not_escalate_and_one_not_acknowledged_in_15_minutes_also_goes_to_CEOP()
    {
        using var app = App();
        var acknowledged = (await app.SubmitAcceptedAsync(Samples.WestMerciaP1)).Reference;
        var ignored = (await app.SubmitAcceptedAsync(Samples.WestMerciaP1)).Reference;
        await app.StatusWhenAsync(acknowledged, "delivered");
        await app.StatusWhenAsync(ignored, "delivered");

        _clock.Advance(TimeSpan.FromMinutes(10));
        using var ack = await AcknowledgeAsync(app, "west-mercia", acknowledged, "accepted");
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var route = (await ack.Content.ReadFromJsonAsync<RouteBody>())!;
        Assert.Equal(("acknowledged", _clock.GetUtcNow()), (route.State, route.AcknowledgedAt!.Value));

        _clock.Advance(TimeSpan.FromMinutes(6)); // 16 minutes after acceptance
        var escalated = await RouteWhenAsync(app, ignored, "ceop", null, r => r.State == "delivered", "CEOP to have the unacknowledged P1");

        Assert.Equal("Escalated: P1: not acknowledged by West Mercia Police within 15 minutes of acceptance.", escalated.Reason);
        var done = await app.StatusWhenAsync(acknowledged, "acknowledged");
        Assert.DoesNotContain(done.Triage!.Routes, r => r.Kind == "ceop");
        Assert.DoesNotContain(_ceop.Received, r => r.Reference == acknowledged);
    }

    [Fact]
    public async Task Not_our_area_moves_a_B78_referral_to_its_other_candidate_then_to_CEOP_never_twice_to_one_force()
    {
        using var app = App();
        var report = Samples.WestMerciaP2.Replace(Samples.Postcode, "B78", StringComparison.Ordinal); // an outward code that straddles forces
        var reference = (await app.SubmitAcceptedAsync(report)).Reference;
        var first = await RouteWhenAsync(app, reference, "police-force", "warwickshire", r => r.State == "delivered", "delivered to Warwickshire, the largest share");
        Assert.True(first.LocationUncertain);

        using var notWarwickshire = await AcknowledgeAsync(app, "warwickshire", reference, "wrong-area");
        Assert.Equal(HttpStatusCode.OK, notWarwickshire.StatusCode);
        Assert.Equal("wrong-area", (await notWarwickshire.Content.ReadFromJsonAsync<RouteBody>())!.State);
        var second = await RouteWhenAsync(app, reference, "police-force", "staffordshire", r => r.State == "delivered", "re-routed to Staffordshire");
        Assert.StartsWith("Re-routed: Warwickshire Police said the child is not in its area", second.Reason, StringComparison.Ordinal);

        using var notStaffordshire = await AcknowledgeAsync(app, "staffordshire", reference, "wrong-area");
        Assert.Equal(HttpStatusCode.OK, notStaffordshire.StatusCode);
        var ceop = await RouteWhenAsync(app, reference, "ceop", null, r => r.State == "delivered", "then to CEOP");
        Assert.StartsWith("Re-routed: Staffordshire Police said the child is not in its area, and no other force", ceop.Reason, StringComparison.Ordinal);

        var status = (await app.StatusAsync(reference))!;
        Assert.Equal(["warwickshire", "staffordshire"], status.Triage!.Routes.Where(r => r.Kind == "police-force").Select(r => r.ForceId));
        Assert.Equal(2, _forces.Received.Select(r => r.IdempotencyKey).Distinct().Count()); // each force once
        Assert.Contains(status.Audit!, a => a.Event == "wrong-area" && a.Destination == "police-force:warwickshire");
        Assert.DoesNotContain("duty sergeant", string.Join("\n", status.Audit!.Select(a => a.Detail)), StringComparison.Ordinal); // the force's note is not the partner's
    }

    [Fact]
    public async Task The_same_outcome_again_changes_nothing_and_a_different_one_is_a_conflict()
    {
        using var app = App();
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        using var first = await AcknowledgeAsync(app, "west-mercia", reference, "accepted");
        using var again = await AcknowledgeAsync(app, "west-mercia", reference, "accepted");
        using var other = await AcknowledgeAsync(app, "west-mercia", reference, "wrong-area");
        using var bad = await AcknowledgeAsync(app, "west-mercia", reference, "maybe");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.BadRequest), (first.StatusCode, again.StatusCode, other.StatusCode, bad.StatusCode));
        Assert.Single((await app.StatusAsync(reference))!.Audit!, a => a.Event == "acknowledged");
    }

    [Fact]
    public async Task A_force_can_reach_only_its_own_referrals_and_partner_and_force_keys_are_not_interchangeable()
    {
        using var app = App();
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        using var otherForcesPath = await AcknowledgeAsync(app, "warwickshire", reference, "accepted");                  // a force that was never sent it
        using var otherForcesKey = await AcknowledgeAsync(app, "west-mercia", reference, "accepted", KeyOf("warwickshire")); // another force's key on this path
        using var partnerKey = await AcknowledgeAsync(app, "west-mercia", reference, "accepted", TestApp.PartnerAKey);
        using var forceKeyAsPartner = new HttpRequestMessage(HttpMethod.Get, $"/api/referrals/{reference}");
        forceKeyAsPartner.Headers.Add("X-Api-Key", KeyOf("west-mercia"));
        using var client = app.CreateClient();
        using var forceOnPartnerApi = await client.SendAsync(forceKeyAsPartner);

        Assert.Equal(HttpStatusCode.NotFound, otherForcesPath.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherForcesKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, partnerKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forceOnPartnerApi.StatusCode);
        Assert.Equal("delivered", (await app.StatusAsync(reference))!.Triage!.Routes.Single(r => r.Kind == "police-force").State); // nothing changed
    }

    [Fact]
    public async Task A_force_that_pulls_lists_P1_first_fetches_the_signed_document_and_its_first_fetch_is_the_delivery()
    {
        using var app = App(pullingForce: "west-mercia");
        var p2 = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        var p1 = (await app.SubmitAcceptedAsync(Samples.WestMerciaP1)).Reference;
        foreach (var reference in new[] { p2, p1 })
        {
            await Eventually.ValueAsync(async () => (await app.StatusAsync(reference))?.Audit, a => a.Any(e => e.Event == "available-to-pull"), TimeSpan.FromSeconds(30), $"{reference} to wait for the force");
        }

        Assert.Empty(_forces.Received); // nothing pushed
        Assert.Equal("triaged", (await app.StatusAsync(p1))!.Status); // not delivered until fetched
        using var list = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals", KeyOf("west-mercia"));
        var awaiting = (await list.Content.ReadFromJsonAsync<ForceReferrals.ForceReferralList>(ContractMapping.Json))!;
        Assert.Equal([(p1, "P1", "pending"), (p2, "P2", "pending")], awaiting.Referrals.Select(r => (r.Reference, r.Priority, r.State)));
        Assert.True(list.Headers.CacheControl?.NoStore); // a force's list and documents are never cached

        using var fetched = await GetAsForceAsync(app, $"/api/forces/west-mercia/referrals/{p1}", KeyOf("west-mercia"));
        var body = await fetched.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.True(Delivery.WebhookSignature.Verify(PullSecret, fetched.Headers.GetValues("X-ReferralIntake-Timestamp").Single(),
            fetched.Headers.GetValues("Idempotency-Key").Single(), fetched.Headers.GetValues("X-ReferralIntake-Signature").Single(), body, DateTimeOffset.UtcNow));
        Assert.Equal($"{p1}:police-force:west-mercia", fetched.Headers.GetValues("Idempotency-Key").Single());
        Assert.True(fetched.Headers.CacheControl?.NoStore);
        Assert.Contains("outside her school now", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        var route = (await app.StatusAsync(p1))!.Triage!.Routes.Single(r => r.Kind == "police-force");
        Assert.Equal(("delivered", 1), (route.State, route.Attempts));

        using var fetchedAgain = await GetAsForceAsync(app, $"/api/forces/west-mercia/referrals/{p1}", KeyOf("west-mercia"));
        Assert.Equal(body, await fetchedAgain.Content.ReadAsByteArrayAsync()); // the same document
        using var delivered = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals?state=delivered", KeyOf("west-mercia"));
        using var pending = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals?state=pending", KeyOf("west-mercia"));
        using var badState = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals?state=lost", KeyOf("west-mercia"));
        Assert.Equal([p1], (await delivered.Content.ReadFromJsonAsync<ForceReferrals.ForceReferralList>(ContractMapping.Json))!.Referrals.Select(r => r.Reference));
        Assert.Equal([p2], (await pending.Content.ReadFromJsonAsync<ForceReferrals.ForceReferralList>(ContractMapping.Json))!.Referrals.Select(r => r.Reference));
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        Assert.Equal(1, (await app.StatusAsync(p1))!.Audit!.Count(a => a.Event == "route-delivered"));

        using var ack = await AcknowledgeAsync(app, "west-mercia", p1, "accepted");
        using var afterAck = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals", KeyOf("west-mercia"));
        Assert.Equal([p2], (await afterAck.Content.ReadFromJsonAsync<ForceReferrals.ForceReferralList>(ContractMapping.Json))!.Referrals.Select(r => r.Reference));
    }

    [Fact]
    public async Task A_P1_that_a_pulling_force_has_not_fetched_in_5_minutes_also_goes_to_CEOP()
    {
        using var app = App(pullingForce: "west-mercia");
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP1)).Reference;
        await Eventually.ValueAsync(async () => (await app.StatusAsync(reference))?.Audit, a => a.Any(e => e.Event == "available-to-pull"), TimeSpan.FromSeconds(30), "the P1 to wait for the force");

        _clock.Advance(TimeSpan.FromMinutes(6));
        var ceop = await RouteWhenAsync(app, reference, "ceop", null, r => r.State == "delivered", "CEOP to have the P1 nobody fetched");

        Assert.Equal("Escalated: P1: not delivered to West Mercia Police within 5 minutes of acceptance.", ceop.Reason);
        Assert.Equal("pending", (await app.StatusAsync(reference))!.Triage!.Routes.Single(r => r.Kind == "police-force").State); // still there to fetch
    }

    [Fact]
    public async Task A_force_lists_and_fetches_only_its_own_and_a_partner_key_is_not_a_force_key()
    {
        using var app = App(pullingForce: "west-mercia");
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await Eventually.ValueAsync(async () => (await app.StatusAsync(reference))?.Audit, a => a.Any(e => e.Event == "available-to-pull"), TimeSpan.FromSeconds(30), "the referral to wait for the force");

        using var otherList = await GetAsForceAsync(app, "/api/forces/warwickshire/referrals", KeyOf("warwickshire"));
        using var otherFetch = await GetAsForceAsync(app, $"/api/forces/warwickshire/referrals/{reference}", KeyOf("warwickshire"));
        using var otherKeyOnPath = await GetAsForceAsync(app, $"/api/forces/west-mercia/referrals/{reference}", KeyOf("warwickshire"));
        using var partnerList = await GetAsForceAsync(app, "/api/forces/west-mercia/referrals", TestApp.PartnerAKey);

        Assert.Empty((await otherList.Content.ReadFromJsonAsync<ForceReferrals.ForceReferralList>(ContractMapping.Json))!.Referrals);
        Assert.Equal(HttpStatusCode.NotFound, otherFetch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherKeyOnPath.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, partnerList.StatusCode);
        Assert.Equal("pending", (await app.StatusAsync(reference))!.Triage!.Routes.Single(r => r.Kind == "police-force").State); // none of that was a fetch
    }

    [Fact]
    public async Task The_partner_hears_of_an_acknowledgement_through_its_callback()
    {
        await using var partner = await ForceServer.StartAsync();
        using var app = App(partnerCallback: partner.Url);
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        using var ack = await AcknowledgeAsync(app, "west-mercia", reference, "accepted");

        var callback = await Eventually.ValueAsync(() => Task.FromResult(partner.Received.FirstOrDefault(r => r.IdempotencyKey.EndsWith(":acknowledged", StringComparison.Ordinal))),
            r => r is not null, TimeSpan.FromSeconds(30), "the partner's callback about the acknowledgement");
        var body = System.Text.Json.JsonSerializer.Deserialize<Delivery.PartnerCallback>(callback!.Body, ContractMapping.Json)!;
        Assert.Equal("acknowledged", body.Status);
        Assert.Equal("acknowledged", body.Triage!.Routes.Single(r => r.Kind == "police-force").State);
        Assert.DoesNotContain("duty sergeant", System.Text.Encoding.UTF8.GetString(callback.Body), StringComparison.Ordinal); // the force's note stays with operators
    }
}
