using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>The (local) Functions host's queue trigger keeps its lease on a message through a storage blip.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class LeaseTests(AzuriteFixture azurite)
{
    /// <summary>Fails the first lease renewal (a PUT to a queue message) once, as a storage blip would.</summary>
    private sealed class FailFirstRenewal : HttpPipelinePolicy
    {
        private int _failed;

        public int Failed => _failed;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Inject(message);
            ProcessNext(message, pipeline);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Inject(message);
            await ProcessNextAsync(message, pipeline);
        }

        private void Inject(HttpMessage message)
        {
            var uri = message.Request.Uri.ToString();
            if (message.Request.Method == RequestMethod.Put && uri.Contains("/messages/", StringComparison.Ordinal)
                && Interlocked.CompareExchange(ref _failed, 1, 0) == 0)
            {
                throw new RequestFailedException(503, "Injected: the first lease renewal fails (test).");
            }
        }
    }

    [Fact]
    public async Task A_queue_trigger_whose_lease_renewal_fails_once_keeps_the_message_and_delivers_it_once()
    {
        await using var force = await ForceServer.StartAsync();
        force.Then(ForceServer.Slow(TimeSpan.FromSeconds(7))); // longer than the 5-second lease: it must be renewed
        FailFirstRenewal? fault = null;
        using var app = new TestApp(azurite, new()
        {
            ["Destinations:default:Url"] = force.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            ["Delivery:MaxRetries"] = "0",
        }, hostQueueClients: options => options.AddPolicy(fault ??= new FailFirstRenewal(), HttpPipelinePosition.PerCall)); // TestApp's lease is 5 s

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        var status = await app.StatusWhenAsync(accepted.Reference, "delivered", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => await app.QueueLengthAsync(app.Queue) == 0, TimeSpan.FromSeconds(30), "the message deleted");

        Assert.Equal(1, fault!.Failed); // the blip happened
        Assert.Single(force.Received);
        Assert.Single(status.Audit!, a => a.Event == "triaged");
        var logs = string.Join("\n", app.Logs);
        Assert.Contains("Renewing the lease of message", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Settling message", logs, StringComparison.Ordinal); // it was still this worker's to delete
        Assert.DoesNotContain("was lost", logs, StringComparison.Ordinal);
        Assert.Equal(0, await app.QueueLengthAsync(app.PoisonQueue));
    }
}
