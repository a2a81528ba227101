using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Tests.Support;
using ReferralIntake.Functions.TriageReferral;

namespace ReferralIntake.Functions.Tests;

/// <summary>What happens when something breaks: retries, the poison queue, and storage outages at intake.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class FailureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_handler_that_always_throws_sends_the_message_to_poison_after_5_tries_and_marks_it_failed()
    {
        AlwaysFailingDelivery? delivery = null;
        using var app = new TestApp(azurite, services: s => s.AddSingleton<IReferralDelivery>(sp => delivery = new AlwaysFailingDelivery(sp.GetRequiredService<Storage.ReferralStateStore>())));

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        await Eventually.TrueAsync(async () => await app.QueueLengthAsync(app.PoisonQueue) == 1, TimeSpan.FromSeconds(30), "the poison message");
        var status = (await app.StatusAsync(accepted.Reference))!;
        Assert.Equal("failed", status.Status);
        Assert.Equal(5, delivery!.Calls);
        Assert.Contains("Gave up after 5 tries", status.FailureReason, StringComparison.Ordinal);
        Assert.NotNull(status.Triage); // the decision stands: only delivery failed
        Assert.Equal(["received", "triaged", "failed"], status.Audit!.Select(a => a.Event));
        Assert.Equal(accepted.Reference, (await app.PoisonQueue.ReceiveMessageAsync()).Value.Body.ToString());
        Assert.Equal(0, await app.QueueLengthAsync(app.Queue));
    }

    [Fact]
    public async Task When_storage_is_down_intake_answers_503_with_Retry_After_quickly()
    {
        var nothingListens = $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.DevAccount};AccountKey={AzuriteFixture.DevKey};" +
            $"BlobEndpoint=http://127.0.0.1:{AzuriteFixture.FreePort()}/{AzuriteFixture.DevAccount};QueueEndpoint=http://127.0.0.1:{AzuriteFixture.FreePort()}/{AzuriteFixture.DevAccount};";
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true" }, connectionString: nothingListens);

        var clock = Stopwatch.StartNew();
        using var response = await app.SubmitAsync(Samples.WestMerciaP2);
        var took = clock.Elapsed;
        using var health = await app.Client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(took < TimeSpan.FromSeconds(20), $"intake should fail fast, took {took}"); // bound on a hang, not a speed test
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    /// <summary>Records the decision as the real hand-off does, then fails as a bug after it would.</summary>
    private sealed class AlwaysFailingDelivery(Storage.ReferralStateStore store) : IReferralDelivery
    {
        private int _calls;

        public int Calls => _calls;

        public async Task<bool> DeliverAsync(Storage.ReferralWork work, Domain.Triage.TriageDecision? decision, long dequeueCount, CancellationToken ct, Links.ReferralLinks? links = null)
        {
            Interlocked.Increment(ref _calls);
            await BrokenDelivery.RecordDecisionAsync(store, work, decision, ct);
            throw new HttpRequestException("The force endpoint refused the connection (test).");
        }
    }
}
