using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Tests.Support;
using ReferralIntake.Functions.TriageReferral;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The queue functions' contract with the host, in process with the worker's services (an application test):
/// completing means the message is done with; throwing means the host tries it again, and on the last try the
/// referral is marked failed before the message goes to poison. The worker contract tests drive the same
/// functions through the local host's real queue triggers.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueFunctionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ForceServer _force = null!;

    /// <summary>As in Azure: no local inbox, a real force endpoint; the queue triggers off, so each test runs triage itself.</summary>
    private Dictionary<string, string?> ByHand => new()
    {
        [TestApp.QueueTriggersOff] = "true",
        ["Destinations:default:Url"] = _force.Url.ToString(),
        ["Destinations:default:Secret"] = ForceServer.Secret,
    };

    public async Task InitializeAsync() => _force = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _force.DisposeAsync();

    [Fact]
    public async Task A_reference_on_the_queue_is_triaged_and_delivered_by_one_invocation()
    {
        using var app = new TestApp(azurite, ByHand);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        await app.TriageByHandAsync(JsonSerializer.Serialize(accepted.Reference)); // as a JSON string, as some senders quote it

        var status = await app.StatusAsync(accepted.Reference);
        Assert.Equal("delivered", status!.Status);
        Assert.Equal("west-mercia", status.Triage!.Routes[0].ForceId);
    }

    [Fact]
    public async Task The_same_message_twice_yields_one_decision()
    {
        using var app = new TestApp(azurite, ByHand);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        await app.TriageByHandAsync(accepted.Reference, 1);
        var decided = (await app.StatusAsync(accepted.Reference))!.Triage!.DecidedAt;
        await app.TriageByHandAsync(accepted.Reference, 2);

        var status = (await app.StatusAsync(accepted.Reference))!;
        Assert.Equal(decided, status.Triage!.DecidedAt);
        Assert.Single(status.Audit!, a => a.Event == "triaged");
        Assert.Single(status.Audit!, a => a.Event == "route-delivered");
    }

    [Fact]
    public async Task A_failed_invocation_throws_for_a_retry_and_on_the_last_try_marks_the_referral_failed()
    {
        using var app = new TestApp(azurite, ByHand, s => s.AddSingleton<IReferralDelivery>(sp => new Broken(sp.GetRequiredService<Storage.ReferralStateStore>())));
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        await Assert.ThrowsAnyAsync<Exception>(() => app.TriageByHandAsync(accepted.Reference, 1)); // the host's signal to retry
        var afterEarly = (await app.StatusAsync(accepted.Reference))!.Status;
        await Assert.ThrowsAnyAsync<Exception>(() => app.TriageByHandAsync(accepted.Reference, 5));

        Assert.Equal("triaged", afterEarly);
        Assert.Equal("failed", (await app.StatusAsync(accepted.Reference))!.Status);
    }

    [Fact]
    public async Task A_message_that_is_not_a_reference_is_refused_and_touches_nothing()
    {
        using var app = new TestApp(azurite, ByHand);

        await Assert.ThrowsAsync<InvalidDataException>(() => app.TriageByHandAsync("{\"Data\":{}}"));

        Assert.Equal(0, await app.ReferralFolderCountAsync());
        Assert.Equal(0, await app.QueueLengthAsync(app.Queue));
    }

    [Fact]
    public async Task No_trigger_is_served_over_HTTP()
    {
        using var app = new TestApp(azurite, ByHand);

        using var response = await app.Client.PostAsync("/TriageReferral", new StringContent("RI-0000-0000-0000"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>Records the decision as the real hand-off does, then fails as a bug after it would.</summary>
    private sealed class Broken(Storage.ReferralStateStore store) : IReferralDelivery
    {
        public async Task<bool> DeliverAsync(Storage.ReferralWork work, Domain.Triage.TriageDecision? decision, long dequeueCount, CancellationToken ct, Links.ReferralLinks? links = null)
        {
            await BrokenDelivery.RecordDecisionAsync(store, work, decision, ct);
            throw new HttpRequestException("force down (test)");
        }
    }
}
