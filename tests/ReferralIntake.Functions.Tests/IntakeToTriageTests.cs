using System.Net;
using System.Net.Http.Json;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>A report goes in over HTTP, waits on the queue in Azurite, is triaged, and can be read back.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IntakeToTriageTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TestApp _app = new(azurite);

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task A_report_is_accepted_with_a_reference_and_advice_then_triaged_to_its_force()
    {
        using var response = await _app.SubmitAsync(Samples.WestMerciaP2);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<AcceptedReferral>())!;
        Assert.Matches("^RI-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", accepted.Reference);
        Assert.Equal("received", accepted.Status);
        Assert.Equal($"/api/referrals/{accepted.Reference}", accepted.StatusUrl);
        Assert.Equal(accepted.StatusUrl, response.Headers.Location?.ToString());
        Assert.Equal(["emergency", "non-emergency", "nspcc-helpline"], accepted.Advice.Select(a => a.Kind));

        var status = await _app.StatusWhenAsync(accepted.Reference, "delivered");
        Assert.Equal("P2", status.Triage!.Priority);
        var route = Assert.Single(status.Triage.Routes);
        Assert.Equal(("police-force", "west-mercia", "West Mercia Police"), (route.Kind, route.ForceId, route.ForceName));
        Assert.Equal(["received", "triaged", "delivery-attempt", "route-delivered", "delivered"], status.Audit!.Select(a => a.Event));
    }

    [Fact]
    public async Task A_child_reporter_with_no_postcode_goes_to_CEOP_Childline_and_Report_Remove()
    {
        var accepted = await _app.SubmitAcceptedAsync(Samples.ChildImagesShared);

        // The sample ticks threats, so the blackmail advice follows the emergency line (TRIAGE.md).
        Assert.Equal(["emergency", "blackmail", "non-emergency", "childline", "report-remove"], accepted.Advice.Select(a => a.Kind));
        var status = await _app.StatusWhenAsync(accepted.Reference, "delivered");
        Assert.Equal(["ceop", "childline", "report-remove"], status.Triage!.Routes.Select(r => r.Kind));
    }

    [Fact]
    public async Task The_same_Idempotency_Key_twice_gives_one_referral()
    {
        var first = await _app.SubmitAcceptedAsync(Samples.WestMerciaP2, idempotencyKey: "retry-123");
        var second = await _app.SubmitAcceptedAsync(Samples.WestMerciaP2, idempotencyKey: "retry-123");

        Assert.Equal(first.Reference, second.Reference);
        Assert.Equal(first.Advice, second.Advice);
        await _app.StatusWhenAsync(first.Reference, "delivered");
        Assert.Equal(1, await _app.ReferralFolderCountAsync());
    }

    [Fact]
    public async Task An_Idempotency_Key_reused_with_a_different_report_is_a_conflict_and_creates_nothing()
    {
        await _app.SubmitAcceptedAsync(Samples.WestMerciaP2, idempotencyKey: "key-1");

        using var response = await _app.SubmitAsync(Samples.ChildImagesShared, idempotencyKey: "key-1");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await _app.ReferralFolderCountAsync());
    }

    [Fact]
    public async Task Another_partners_reference_answers_404_like_a_missing_one()
    {
        var accepted = await _app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        using var other = _app.CreateClient();
        other.DefaultRequestHeaders.Add("X-Api-Key", TestApp.PartnerBKey);

        using var foreign = await other.GetAsync(accepted.StatusUrl);
        using var missing = await other.GetAsync("/api/referrals/RI-0000-0000-0000");

        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(await missing.Content.ReadFromJsonAsync<ProblemBody>() is { } m ? m.Detail : null,
            (await foreign.Content.ReadFromJsonAsync<ProblemBody>())!.Detail);
    }

    [Fact]
    public async Task A_report_sent_as_the_app_starts_is_triaged_at_once_by_the_hosts_queue_trigger()
    {
        // The host's queue triggers start with the worker and poll within 0.2 s (TestApp's maxPollingInterval).
        using var app = new TestApp(azurite);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        var status = await app.StatusWhenAsync(accepted.Reference, "delivered", TimeSpan.FromSeconds(30));
        Assert.Equal("P2", status.Triage!.Priority);
    }

    [Fact]
    public async Task Health_answers_once_queue_and_blobs_are_reachable()
    {
        using var response = await _app.Client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(_app.QueueName, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queue_message_is_the_reference_alone_base64_encoded_as_the_host_expects()
    {
        using var listenerOff = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true" });
        var accepted = await listenerOff.SubmitAcceptedAsync(Samples.WestMerciaP2);

        var raw = new Azure.Storage.Queues.QueueClient(listenerOff.ConnectionString, listenerOff.QueueName); // no decoding
        var peeked = Assert.Single((await raw.PeekMessagesAsync(10)).Value);

        Assert.Equal(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(accepted.Reference)), peeked.Body.ToString());
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_submit_and_status()
    {
        var document = await _app.Client.GetStringAsync("/api/openapi/v1.json");

        Assert.Contains("\"/api/referrals\"", document, StringComparison.Ordinal);
        Assert.Contains("\"/api/referrals/{reference}\"", document, StringComparison.Ordinal);
        Assert.Contains("AcceptedReferral", document, StringComparison.Ordinal);

        // The force API, under its own tag, with the answers a force's developer must handle.
        using var json = System.Text.Json.JsonDocument.Parse(document);
        var paths = json.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/api/forces/{forceId}/referrals", "get"), ("/api/forces/{forceId}/referrals/{reference}", "get"), ("/api/forces/{forceId}/referrals/{reference}/acknowledgement", "post") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.Equal(["Forces"], operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.All(new[] { "200", "401", "404", "429" }, code => Assert.True(operation.GetProperty("responses").TryGetProperty(code, out _), $"{method} {path} documents {code}"));
        }

        Assert.DoesNotContain("/force/referrals", document, StringComparison.Ordinal); // the browser view is not API
    }

    [Fact]
    public async Task Logs_of_a_full_submit_and_triage_hold_no_report_content()
    {
        var accepted = await _app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await _app.StatusWhenAsync(accepted.Reference, "delivered");

        var logs = string.Join("\n", _app.Logs);
        Assert.Contains(accepted.Reference, logs, StringComparison.Ordinal); // the reference is what gets logged
        foreach (var secret in new[] { "canary-7f3a", Samples.Postcode, Samples.Postcode.Replace(" ", "", StringComparison.Ordinal), "Ellie", "sam@example.com", "Sam Example" })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.OrdinalIgnoreCase);
        }
    }

    private sealed record ProblemBody(string? Title, string? Detail, int Status);
}
