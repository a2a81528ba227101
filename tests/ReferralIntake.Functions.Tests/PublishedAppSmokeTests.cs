using System.Net;
using System.Net.Http.Json;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The published app (./test.sh publishes it into artifacts/worker, ReadyToRun for linux-x64, as Azure gets
/// it) under the local Functions host, end to end against Azurite: the form page, a partner's submission,
/// triage, a signed delivery to a loopback force, the status delivered, and its telemetry at a loopback
/// Application Insights ingestion endpoint, flushed when the host stops the worker. So the published build
/// cannot rot unnoticed. (It was the NativeAOT executable's test, then the standalone app's.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PublishedAppSmokeTests(AzuriteFixture azurite)
{
    private static string PublishedApp => Path.Combine(WorkerUnderLocalHost.PublishedWorker, "ReferralIntake.Functions.dll");

    [Fact]
    public async Task The_published_app_serves_the_form_takes_a_report_delivers_it_signed_and_exports_its_telemetry()
    {
        Assert.True(File.Exists(PublishedApp), $"{PublishedApp} is missing: ./test.sh publishes it before the tests (build/setup.sh, publish_worker).");
        await using var force = await ForceServer.StartAsync();
        await using var ingestion = await IngestionServer.StartAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var app = await WorkerUnderLocalHost.StartAsync(new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["ReferralQueueName"] = $"published-{suffix}",
            ["UrgentReferralQueueName"] = $"published-{suffix}-urgent",
            ["DeliveryQueueName"] = $"published-{suffix}-deliveries",
            ["ReferralContainerName"] = $"published-{suffix}",
            [$"Partners:{TestApp.PartnerA}:KeySha256"] = Partners.HashKey(TestApp.PartnerAKey),
            ["Destinations:default:Url"] = force.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.2",
            [TelemetryRegistration.AppInsightsSetting] = ingestion.ConnectionString,
        });

        var form = await app.Client.GetStringAsync("/report");
        app.Client.DefaultRequestHeaders.Add("X-Api-Key", TestApp.PartnerAKey);
        using var submitted = await app.Client.PostAsync("/api/referrals", new StringContent(Samples.WestMerciaP2, System.Text.Encoding.UTF8, "application/json"));
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference;
        var delivery = await Eventually.ValueAsync(() => Task.FromResult(force.Received.FirstOrDefault(r => r.Reference == reference)),
            r => r is not null, TimeSpan.FromSeconds(30), $"the force to receive {reference}. Host said:\n{app.Said()}");
        var status = await Eventually.ValueAsync(() => app.Client.GetFromJsonAsync<ReferralStatusBody>($"/api/referrals/{reference}", ContractMapping.Json),
            s => s.Status == "delivered", TimeSpan.FromSeconds(30), "the status to say delivered");
        // The exporter sends every few seconds on its own; the delivery span is the last of the three.
        await Eventually.TrueAsync(() => Task.FromResult(ingestion.Received("referral.deliver")), TimeSpan.FromSeconds(30), "the delivery span at the ingestion endpoint");
        // Metrics go every 60 seconds, and at shutdown: the host, stopped, stops its worker, which flushes them.
        await app.StopAsync(TimeSpan.FromSeconds(20));
        var exported = string.Join("\n", ingestion.Bodies);

        Assert.Contains("Tell us what happened", form, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.True(WebhookSignature.Verify(ForceServer.Secret, delivery!.Timestamp, delivery.IdempotencyKey, delivery.Signature, delivery.Body, DateTimeOffset.UtcNow));
        Assert.Equal(("P2", "west-mercia"), (status!.Triage!.Priority, status.Triage.Routes.Single(r => r.Kind == "police-force").ForceId));
        Assert.All(["referral.submit", "referral.triage", reference], text => Assert.Contains(text, exported, StringComparison.Ordinal));
        Assert.Contains("referrals.received", exported, StringComparison.Ordinal); // the app's own metrics too
        Assert.All(["canary-7f3a", Samples.Postcode, "Ellie", "sam@example.com"], secret => Assert.DoesNotContain(secret, exported, StringComparison.OrdinalIgnoreCase));
    }
}
