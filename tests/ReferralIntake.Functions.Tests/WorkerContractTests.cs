using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The published isolated worker under the local Functions host, over real HTTP and real Azurite queues: the
/// platform's queue triggers (both triage lanes, deliveries), its poison handling, a worker killed mid-work,
/// and each function's trigger read from functions.metadata against host.json, the settings and infra/.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class WorkerContractTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_partner_report_is_accepted_triaged_delivered_signed_and_its_status_says_so()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, _) = Settings(force);
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);

        using var submitted = await Submit(worker, Samples.WestMerciaP2);
        var accepted = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!;
        var delivery = await Eventually.ValueAsync(() => Task.FromResult(force.Received.FirstOrDefault(r => r.Reference == accepted.Reference)),
            r => r is not null, Bound, $"the force to receive {accepted.Reference}. Host said:\n{worker.Said()}");
        var status = await Eventually.ValueAsync(() => Status(worker, accepted.Reference), s => s.Status == "delivered", Bound, "the status to say delivered");

        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal($"/api/referrals/{accepted.Reference}", submitted.Headers.Location?.OriginalString);
        Assert.True(WebhookSignature.Verify(ForceServer.Secret, delivery!.Timestamp, delivery.IdempotencyKey, delivery.Signature, delivery.Body, DateTimeOffset.UtcNow));
        Assert.Equal(("P2", "west-mercia"), (status.Triage!.Priority, status.Triage.Routes.Single(r => r.Kind == "police-force").ForceId));
        Assert.Single(status.Audit!, a => a.Event == "triaged");
    }

    [Fact]
    public async Task The_worker_exports_its_invocations_and_the_apps_own_spans_and_metrics_with_the_reference_and_no_report_content()
    {
        await using var force = await ForceServer.StartAsync();
        await using var ingestion = await IngestionServer.StartAsync();
        var (settings, _) = Settings(force);
        settings[Telemetry.TelemetryRegistration.AppInsightsSetting] = ingestion.ConnectionString;
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);

        using var submitted = await Submit(worker, Samples.WestMerciaP2);
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference;
        await Eventually.ValueAsync(() => Status(worker, reference), s => s.Status == "delivered", Bound, "the referral delivered");
        // The exporter sends every few seconds; the first delivery attempt is made inside the triage invocation.
        await Eventually.TrueAsync(() => Task.FromResult(ingestion.Received("referral.deliver") && ingestion.Received("function TriageReferral")),
            Bound, "the triage invocation's and the delivery's spans at the ingestion endpoint");
        await worker.DisposeAsync(); // SIGTERM to the host, which stops the worker as Azure does: the app flushes its metrics
        var exported = string.Join("\n", ingestion.Bodies);

        Assert.All(["function SubmitReferral", "function TriageReferral", "referral.submit", "referral.triage", reference], text => Assert.Contains(text, exported, StringComparison.Ordinal));
        Assert.Contains("referrals.received", exported, StringComparison.Ordinal); // the app's own metrics too
        Assert.All(["canary-7f3a", Samples.Postcode, "Ellie", "sam@example.com"], secret => Assert.DoesNotContain(secret, exported, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_worker_refuses_a_missing_key_a_wrong_key_and_anothers_referral_as_the_app_does()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, _) = Settings(force);
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);
        using var accepted = await Submit(worker, Samples.WestMerciaP2);
        var reference = (await accepted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference;

        using var noKey = await worker.Client.PostAsync("/api/referrals", Json(Samples.WestMerciaP2));
        using var wrongKey = await Send(worker, HttpMethod.Post, "/api/referrals", "not-a-key", Json(Samples.WestMerciaP2));
        using var otherPartner = await Send(worker, HttpMethod.Get, $"/api/referrals/{reference}", TestApp.PartnerBKey);
        using var bad = await Send(worker, HttpMethod.Post, "/api/referrals", TestApp.PartnerAKey, Json("""{"reporter":{"role":"uncle"}}"""));

        Assert.Equal((HttpStatusCode.Unauthorized, "application/problem+json"), (noKey.StatusCode, noKey.Content.Headers.ContentType?.MediaType));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherPartner.StatusCode);
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (bad.StatusCode, bad.Content.Headers.ContentType?.MediaType));
        Assert.Contains("reporter.role", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_limit_gets_413_with_a_problem_document_and_nothing_is_kept(bool chunked)
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, names) = Settings(force);
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);
        var huge = "{\"reporter\":{\"role\":\"parent\"},\"concern\":{\"description\":\"" + new string('a', 2 * 1024 * 1024) + "\"}}";
        HttpContent content = chunked
            ? new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge))) // no Content-Length: sent chunked
            : Json(huge);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await Send(worker, HttpMethod.Post, "/api/referrals", TestApp.PartnerAKey, content);
        var queue = new QueueClient(azurite.ConnectionString, names.Queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "application/problem+json"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Contains("too-large", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False((await queue.ExistsAsync()).Value && (await queue.PeekMessagesAsync()).Value.Length > 0, "nothing queued");
    }

    [Fact]
    public async Task A_P1_takes_the_urgent_lane_past_a_backlog_in_the_referrals_queue()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, names) = Settings(force);
        settings["AzureFunctionsJobHost:extensions:queues:batchSize"] = "1"; // the backlog drains one at a time
        settings["AzureFunctionsJobHost:extensions:queues:newBatchThreshold"] = "0";
        var backlog = new QueueClient(azurite.ConnectionString, names.Queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await backlog.CreateIfNotExistsAsync();
        for (var i = 0; i < 100; i++)
        {
            await backlog.SendMessageAsync($"RI-0000-0000-0{i:D3}"); // well-formed, but no report: each fails and waits its turn again
        }

        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);
        using var submitted = await Submit(worker, Samples.WestMerciaP1);
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference;

        await Eventually.TrueAsync(() => Task.FromResult(force.Received.Any(r => r.Reference == reference)), Bound, $"the P1 at its force. Host said:\n{worker.Said()}");
        Assert.True((await backlog.GetPropertiesAsync()).Value.ApproximateMessagesCount > 50, "the P1 did not wait for the backlog");
    }

    [Fact]
    public async Task A_message_that_fails_maxDequeueCount_times_goes_to_the_poison_queue()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, names) = Settings(force);
        var queue = new QueueClient(azurite.ConnectionString, names.Queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        var poison = new QueueClient(azurite.ConnectionString, names.Queue + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);

        await queue.SendMessageAsync("not a reference");

        await Eventually.TrueAsync(async () => (await poison.ExistsAsync()).Value && (await poison.PeekMessagesAsync()).Value.Any(m => m.Body.ToString() == "not a reference"),
            Bound, $"the message in {poison.Name}. Host said:\n{worker.Said()}");
        Assert.Equal(5, worker.Output.Count(l => l.Contains("A queue message that is not a reference was received", StringComparison.Ordinal))); // host.json: 5 tries
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task A_worker_killed_mid_delivery_loses_nothing_and_each_referral_takes_effect_once()
    {
        await using var force = await ForceServer.StartAsync();
        force.Fallback = ForceServer.Slow(TimeSpan.FromMinutes(5)); // the first worker hangs on the force
        var (settings, _) = Settings(force);
        settings["Delivery:PerAttemptTimeoutSeconds"] = "600";
        settings["Delivery:OverallTimeoutSeconds"] = "600";
        settings["Delivery:ClaimSeconds"] = "2"; // the killed worker's claims on its routes run out soon after it dies
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings, queueLease: TimeSpan.FromSeconds(3));
        var references = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await Submit(worker, Samples.WestMerciaP2);
            references.Add((await response.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference);
        }

        await Eventually.TrueAsync(() => Task.FromResult(force.Received.Count >= 4), Bound, $"the worker to be mid-delivery. Host said:\n{worker.Said()}");
        var first = worker.WorkerProcessIds[^1];
        worker.KillWorker();
        force.Fallback = ForceServer.Answer(202); // the force recovers; the host's next worker takes over

        foreach (var reference in references)
        {
            var status = await Eventually.ValueAsync(() => Status(worker, reference),
                s => s.Status == "delivered" && s.Audit!.Any(a => a.Event == "delivered"), TimeSpan.FromSeconds(90), $"{reference} delivered. Host said:\n{worker.Said()}");
            Assert.Single(status.Audit!, a => a.Event == "triaged");
            Assert.Single(status.Audit!, a => a.Event == "route-delivered");
        }

        Assert.NotEqual(first, worker.WorkerProcessIds[^1]); // the host started another worker
        Assert.Equal(references.Select(r => $"{r}:police-force:west-mercia").Order(), force.Received.Select(r => r.IdempotencyKey).Distinct().Order());
    }

    [Fact]
    public async Task A_force_that_pulls_lists_fetches_its_signed_referral_and_acknowledges_it_and_nothing_of_it_is_cached()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, _) = Settings(force);
        settings["Forces:west-mercia:KeySha256"] = Partners.HashKey(ForceKey);
        settings["Forces:staffordshire:KeySha256"] = Partners.HashKey(ForceKey + "-staffordshire");
        settings["Destinations:west-mercia:Pull"] = "true";
        settings["Destinations:west-mercia:Secret"] = PullSecret;
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);
        using var submitted = await Submit(worker, Samples.WestMerciaP2);
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference;
        await Eventually.ValueAsync(async () => (await Status(worker, reference))?.Audit, a => a.Any(e => e.Event == "available-to-pull"), Bound, $"{reference} to wait for the force. Host said:\n{worker.Said()}");

        using var list = await Send(worker, HttpMethod.Get, "/api/forces/west-mercia/referrals", ForceKey);
        using var badState = await Send(worker, HttpMethod.Get, "/api/forces/west-mercia/referrals?state=lost", ForceKey);
        using var otherForce = await Send(worker, HttpMethod.Get, $"/api/forces/west-mercia/referrals/{reference}", ForceKey + "-staffordshire");
        using var partnerKey = await Send(worker, HttpMethod.Get, "/api/forces/west-mercia/referrals", TestApp.PartnerAKey);
        using var fetched = await Send(worker, HttpMethod.Get, $"/api/forces/west-mercia/referrals/{reference}", ForceKey);
        var body = await fetched.Content.ReadAsByteArrayAsync();
        using var notJson = await Send(worker, HttpMethod.Post, $"/api/forces/west-mercia/referrals/{reference}/acknowledgement", ForceKey, Json("{\"outcome\":"));
        using var ack = await Send(worker, HttpMethod.Post, $"/api/forces/west-mercia/referrals/{reference}/acknowledgement", ForceKey, Json("""{"outcome":"accepted"}"""));
        using var conflict = await Send(worker, HttpMethod.Post, $"/api/forces/west-mercia/referrals/{reference}/acknowledgement", ForceKey, Json("""{"outcome":"wrong-area"}"""));

        Assert.Equal([reference], (await list.Content.ReadFromJsonAsync<ForceReferrals.ForceReferralList>(ContractMapping.Json))!.Referrals.Select(r => r.Reference));
        Assert.True(list.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherForce.StatusCode); // one force never learns of another's referrals
        Assert.Equal(HttpStatusCode.Unauthorized, partnerKey.StatusCode); // a partner key is not a force key
        Assert.True(WebhookSignature.Verify(PullSecret, fetched.Headers.GetValues("X-ReferralIntake-Timestamp").Single(),
            fetched.Headers.GetValues("Idempotency-Key").Single(), fetched.Headers.GetValues("X-ReferralIntake-Signature").Single(), body, DateTimeOffset.UtcNow));
        Assert.True(fetched.Headers.CacheControl?.NoStore);
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (notJson.StatusCode, notJson.Content.Headers.ContentType?.MediaType));
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("acknowledged", (await Status(worker, reference))!.Triage!.Routes.Single(r => r.Kind == "police-force").State);
    }

    [Fact]
    public async Task An_operator_with_the_local_admin_key_erases_a_referral_and_without_it_is_refused()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, _) = Settings(force);
        settings["Admin:KeySha256"] = Partners.HashKey(AdminKey);
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);
        using var submitted = await Submit(worker, Samples.WestMerciaP2);
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>(ContractMapping.Json))!.Reference;
        await Eventually.ValueAsync(() => Status(worker, reference), s => s.Status == "delivered", Bound, "the referral delivered");

        using var noKey = await worker.Client.DeleteAsync($"/api/admin/referrals/{reference}");
        using var poison = await SendAsAdmin(worker, HttpMethod.Get, "/api/admin/poison");
        using var badReplay = await SendAsAdmin(worker, HttpMethod.Post, "/api/admin/poison/replay", Json("{}"));
        using var erased = await SendAsAdmin(worker, HttpMethod.Delete, $"/api/admin/referrals/{reference}");
        using var status = await Send(worker, HttpMethod.Get, $"/api/referrals/{reference}", TestApp.PartnerAKey);

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, poison.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badReplay.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode); // gone, and stays gone
    }

    [Fact]
    public async Task The_worker_serves_the_kept_contract_with_every_partner_and_force_function_in_it_and_nothing_else_and_its_reference_page()
    {
        await using var force = await ForceServer.StartAsync();
        var (settings, _) = Settings(force);
        await using var worker = await WorkerUnderLocalHost.StartAsync(settings);

        var served = JsonNode.Parse(await worker.Client.GetStringAsync("/api/openapi/v1.json"))!;
        using var reference = await worker.Client.GetAsync("/api/reference/");
        var page = await reference.Content.ReadAsStringAsync();
        using var script = await worker.Client.GetAsync("/api/reference/scalar.js");
        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(WorkerUnderLocalHost.PublishedWorker, "functions.metadata")))!.AsArray();
        var functions = metadata.SelectMany(f => f!["bindings"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "httpTrigger")
                .SelectMany(b => b!["methods"]!.AsArray().Select(m => $"{m!.GetValue<string>().ToUpperInvariant()} /{b["route"]!.GetValue<string>()}")))
            .Where(r => r.Contains(" /api/referrals", StringComparison.Ordinal) || r.Contains(" /api/forces/", StringComparison.Ordinal) || r.EndsWith(" /api/health", StringComparison.Ordinal))
            .Order();
        var documented = served["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}")).Order();

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "functions", "ReferralIntake.Functions", "OpenApi", "openapi.v1.json"))), served));
        Assert.Equal(documented, functions); // every partner and force function is documented, and nothing else is
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("<title>ReferralIntake API reference</title>", page, StringComparison.Ordinal);
        Assert.Contains("\"url\":\"api/openapi/v1.json\"", page, StringComparison.Ordinal); // over the kept document
        Assert.Equal((HttpStatusCode.OK, "text/javascript"), (script.StatusCode, script.Content.Headers.ContentType?.MediaType)); // from the package itself
    }

    [Fact]
    public void Each_functions_trigger_matches_host_json_the_settings_and_its_declared_access()
    {
        var metadata = JsonNode.Parse(File.ReadAllText(Path.Combine(WorkerUnderLocalHost.PublishedWorker, "functions.metadata")))!.AsArray();
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(WorkerUnderLocalHost.PublishedWorker, "host.json")))!;
        var triggers = metadata.ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["bindings"]!.AsArray().Single(b => b!["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal))!);

        Assert.Equal($"%{SettingNames.QueueName}%", triggers["TriageReferral"]["queueName"]!.GetValue<string>());
        Assert.Equal($"%{SettingNames.UrgentQueueName}%", triggers["TriageUrgentReferral"]["queueName"]!.GetValue<string>());
        Assert.Equal($"%{SettingNames.DeliveryQueueName}%", triggers["DeliverReferral"]["queueName"]!.GetValue<string>());
        Assert.All(triggers.Values.Where(t => t["type"]!.GetValue<string>() == "queueTrigger"), t => Assert.Equal(SettingNames.StorageConnection, t["connection"]!.GetValue<string>()));
        Assert.All(new[] { SettingNames.QueueName, SettingNames.UrgentQueueName, SettingNames.DeliveryQueueName },
            name => Assert.Contains(SettingsCatalogue.All, s => s.Name == name)); // the settings infra/ is checked against (SettingsDriftTests)
        Assert.Equal(("0 15 3 * * *", "0 */15 * * * *"), (triggers["RetentionSweep"]["schedule"]!.GetValue<string>(), triggers["StatisticsRefresh"]["schedule"]!.GetValue<string>()));
        Assert.Equal((16, 8, 5, ""), (hostJson["extensions"]!["queues"]!["batchSize"]!.GetValue<int>(), hostJson["extensions"]!["queues"]!["newBatchThreshold"]!.GetValue<int>(),
            hostJson["extensions"]!["queues"]!["maxDequeueCount"]!.GetValue<int>(), hostJson["extensions"]!["http"]!["routePrefix"]!.GetValue<string>()));
        // Every HTTP function declares who may call it: the host's authLevel is not the gate.
        Assert.All(metadata.Where(f => triggers[f!["name"]!.GetValue<string>()]["type"]!.GetValue<string>() == "httpTrigger"), f =>
        {
            Assert.Equal("Anonymous", triggers[f!["name"]!.GetValue<string>()]["authLevel"]!.GetValue<string>());
            Assert.NotNull(FunctionAccess.Declared(f["entryPoint"]!.GetValue<string>()));
        });
    }

    private (Dictionary<string, string> Settings, (string Queue, string Container) Names) Settings(ForceServer force)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var names = ($"worker-{suffix}", $"worker-{suffix}");
        return (new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [SettingNames.QueueName] = names.Item1,
            [SettingNames.UrgentQueueName] = $"{names.Item1}-urgent",
            [SettingNames.DeliveryQueueName] = $"{names.Item1}-deliveries",
            [SettingNames.ContainerName] = names.Item2,
            [$"Partners:{TestApp.PartnerA}:KeySha256"] = Partners.HashKey(TestApp.PartnerAKey),
            [$"Partners:{TestApp.PartnerA}:RequestsPerMinute"] = "600",
            [$"Partners:{TestApp.PartnerB}:KeySha256"] = Partners.HashKey(TestApp.PartnerBKey),
            ["Destinations:default:Url"] = force.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            // As in Azure, an app setting overrides host.json for the host: a failed message comes back at once here.
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        }, names);
    }

    private const string ForceKey = "worker-tests-force-key";
    private const string PullSecret = "worker-tests-pull-secret";
    private const string AdminKey = "worker-tests-admin-key";

    private static async Task<HttpResponseMessage> SendAsAdmin(WorkerUnderLocalHost worker, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Admin-Key", AdminKey);
        return await worker.Client.SendAsync(request);
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> Send(WorkerUnderLocalHost worker, HttpMethod method, string path, string key, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Api-Key", key);
        return await worker.Client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> Submit(WorkerUnderLocalHost worker, string json) => Send(worker, HttpMethod.Post, "/api/referrals", TestApp.PartnerAKey, Json(json));

    private static async Task<ReferralStatusBody?> Status(WorkerUnderLocalHost worker, string reference)
    {
        using var response = await Send(worker, HttpMethod.Get, $"/api/referrals/{reference}", TestApp.PartnerAKey);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ReferralStatusBody>(ContractMapping.Json) : null;
    }
}
