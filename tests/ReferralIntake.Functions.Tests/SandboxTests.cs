using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.GetReferralStatus;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.RetentionSweep;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Sandbox keys: triaged and shown exactly as live referrals, never delivered to a force or CEOP, readable back, swept after a day.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SandboxTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string SandboxPartner = "acme-sandbox", SandboxKey = "acme-sandbox-key";
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

    private TestApp App() => new(azurite, new()
    {
        ["Destinations:default:Url"] = _forces.Url.ToString(),
        ["Destinations:default:Secret"] = ForceServer.Secret,
        ["Destinations:ceop:Url"] = _ceop.Url.ToString(),
        ["Destinations:ceop:Secret"] = ForceServer.Secret,
        [$"Partners:{SandboxPartner}:KeySha256"] = Partners.HashKey(SandboxKey),
        [$"Partners:{SandboxPartner}:Sandbox"] = "true",
        ["Delivery:MaxScheduleHopSeconds"] = "0.1",
    }, s => s.AddSingleton<TimeProvider>(_clock));

    private static async Task<T?> GetAsync<T>(TestApp app, string path, string key)
    {
        using var response = await app.GetWithKeyAsync(path, key);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<T>(ContractMapping.Json) : default;
    }

    [Fact]
    public async Task A_sandbox_P1_is_triaged_P1_shows_its_decision_and_reaches_no_force_or_CEOP()
    {
        using var app = App();
        using var submitted = await app.SubmitAsync(Samples.WestMerciaP1, apiKey: SandboxKey);
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>())!.Reference;

        var status = await Eventually.ValueAsync(() => GetAsync<ReferralStatusBody>(app, $"/api/referrals/{reference}", SandboxKey),
            s => s.Status == "delivered", TimeSpan.FromSeconds(30), "the sandbox referral to be delivered to the sandbox");
        _clock.Advance(TimeSpan.FromMinutes(20)); // past the P1 deadlines: an escalation goes to the sandbox too
        var escalated = await Eventually.ValueAsync(() => GetAsync<ReferralStatusBody>(app, $"/api/referrals/{reference}", SandboxKey),
            s => s.Triage!.Routes.Any(r => r.Kind == "ceop" && r.State == "delivered"), TimeSpan.FromSeconds(30), "the escalation to CEOP, in the sandbox");
        var deliveries = await GetAsync<SandboxDeliveries>(app, $"/api/referrals/{reference}/sandbox-deliveries", SandboxKey);

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(("P1", true), (status!.Triage!.Priority, status.Sandbox == true));
        Assert.Equal("west-mercia", status.Triage.Routes.Single(r => r.Kind == "police-force").ForceId);
        Assert.Contains(status.Audit!, a => a.Event == "received" && a.Detail!.EndsWith("(sandbox)", StringComparison.Ordinal));
        Assert.NotNull(escalated);
        Assert.Equal(["ceop", "police-force:west-mercia"], deliveries!.Deliveries.Select(d => d.Route).Order());
        Assert.All(deliveries.Deliveries, d => Assert.True(d.Document.Sandbox));
        Assert.Empty(_forces.Received); // no force was called
        Assert.Empty(_ceop.Received);   // nor CEOP
    }

    [Fact]
    public async Task A_live_referral_has_no_sandbox_deliveries_and_a_sandbox_one_is_swept_after_a_day()
    {
        using var app = App();
        var live = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        using var submitted = await app.SubmitAsync(Samples.WestMerciaP2, apiKey: SandboxKey);
        var sandbox = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>())!.Reference;
        await app.StatusWhenAsync(live, "delivered");
        await Eventually.ValueAsync(() => GetAsync<ReferralStatusBody>(app, $"/api/referrals/{sandbox}", SandboxKey), s => s.Status == "delivered", TimeSpan.FromSeconds(30), "sandbox delivered");

        Assert.Null(await GetAsync<SandboxDeliveries>(app, $"/api/referrals/{live}/sandbox-deliveries", TestApp.PartnerAKey)); // 404 for a live one
        _clock.Advance(TimeSpan.FromHours(25));
        var swept = await app.Services.GetRequiredService<RetentionSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(1, swept.Deleted);
        Assert.Null(await GetAsync<ReferralStatusBody>(app, $"/api/referrals/{sandbox}", SandboxKey));
        Assert.NotNull(await app.StatusAsync(live)); // a live one is kept for its retention period (a day on, unacknowledged, it is being escalated)
    }
}
