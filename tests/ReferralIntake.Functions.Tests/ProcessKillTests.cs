using System.Net.Http.Json;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>An accepted report is never lost, even when the process dies mid-triage.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProcessKillTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_process_killed_mid_delivery_loses_nothing_and_each_referral_takes_effect_once()
    {
        await using var force = await ForceServer.StartAsync();
        force.Fallback = ForceServer.Slow(TimeSpan.FromMinutes(5)); // the first process hangs on the force
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["ReferralQueueName"] = $"kill-{suffix}",
            ["ReferralContainerName"] = $"kill-{suffix}",
            [$"Partners:{TestApp.PartnerA}:KeySha256"] = Partners.HashKey(TestApp.PartnerAKey),
            [$"Partners:{TestApp.PartnerA}:RequestsPerMinute"] = "6000",
            ["Destinations:default:Url"] = force.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            ["Delivery:PerAttemptTimeoutSeconds"] = "600",
            ["Delivery:OverallTimeoutSeconds"] = "600",
            ["Delivery:ClaimSeconds"] = "2", // the killed process's claims on its routes run out soon after it dies
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.2",
        };

        var references = new List<string>();
        var lease = TimeSpan.FromSeconds(3); // the killed instance's leases on its messages run out soon after it dies
        using (var first = await WorkerUnderLocalHost.StartAsync(settings, lease))
        {
            first.Client.DefaultRequestHeaders.Add("X-Api-Key", TestApp.PartnerAKey);
            for (var i = 0; i < 20; i++)
            {
                using var response = await first.Client.PostAsync("/api/referrals", new StringContent(Samples.WestMerciaP2, System.Text.Encoding.UTF8, "application/json"));
                Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
                references.Add((await response.Content.ReadFromJsonAsync<AcceptedReferral>())!.Reference);
            }

            try
            {
                await Eventually.TrueAsync(() => Task.FromResult(force.Received.Count >= 8), TimeSpan.FromSeconds(30), "the first process to be mid-delivery");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"{e.Message} Force got {force.Received.Count}. Host said:\n{first.Said()}", e);
            }

            first.Kill(); // the instance: host and worker, SIGKILL
        }

        force.Fallback = ForceServer.Answer(202); // the force recovers; a second process takes over
        using var second = await WorkerUnderLocalHost.StartAsync(settings, lease);
        second.Client.DefaultRequestHeaders.Add("X-Api-Key", TestApp.PartnerAKey);

        foreach (var reference in references)
        {
            var status = await Eventually.ValueAsync(
                () => second.Client.GetFromJsonAsync<ReferralStatusBody>($"/api/referrals/{reference}"),
                s => s.Status == "delivered" && s.Audit!.Any(a => a.Event == "delivered"),
                TimeSpan.FromSeconds(60), $"{reference} to be delivered");
            Assert.Single(status.Audit!, a => a.Event == "triaged");
            Assert.Single(status.Audit!, a => a.Event == "route-delivered");
        }

        // Every referral reached the force, and each under one idempotency key: once in effect.
        Assert.Equal(references.Select(r => $"{r}:police-force:west-mercia").Order(), force.Received.Select(r => r.IdempotencyKey).Distinct().Order());
    }
}
