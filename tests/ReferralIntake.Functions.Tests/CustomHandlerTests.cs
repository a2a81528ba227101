using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Tests.Support;
using ReferralIntake.Functions.TriageReferral;

namespace ReferralIntake.Functions.Tests;

/// <summary>The app as an Azure Functions custom handler: the host POSTs the queue trigger's payload to /TriageReferral.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class CustomHandlerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ForceServer _force = null!;

    /// <summary>As in Azure: the host triggers (no listener), no local inbox, a real force endpoint.</summary>
    private Dictionary<string, string?> AsCustomHandler => new()
    {
        ["QueueListener:Enabled"] = "false",
        ["CustomHandler:MapTriggers"] = "true",
        ["Destinations:default:Url"] = _force.Url.ToString(),
        ["Destinations:default:Secret"] = ForceServer.Secret,
    };

    public async Task InitializeAsync() => _force = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _force.DisposeAsync();

    /// <summary>The payload shape the Functions host sends a custom handler for a queue trigger.</summary>
    internal static JsonContent HostPayload(string message, int dequeueCount) => JsonContent.Create(new
    {
        Data = new { message = JsonSerializer.Serialize(message) },
        Metadata = new
        {
            DequeueCount = dequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Id = Guid.NewGuid().ToString(),
            InsertionTime = DateTimeOffset.UtcNow.ToString("O"),
            ExpirationTime = DateTimeOffset.UtcNow.AddDays(7).ToString("O"),
            NextVisibleTime = DateTimeOffset.UtcNow.AddMinutes(10).ToString("O"),
            PopReceipt = "AgAAAAMAAAAAAAAA",
            sys = new { MethodName = "TriageReferral", UtcNow = DateTimeOffset.UtcNow.ToString("O"), RandGuid = Guid.NewGuid().ToString() },
        },
    }, options: new JsonSerializerOptions()); // PascalCase, as the host sends it

    [Fact]
    public async Task The_hosts_queue_trigger_payload_triages_and_gets_the_hosts_response_shape()
    {
        using var app = new TestApp(azurite, AsCustomHandler);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        using var response = await app.Client.PostAsync("/TriageReferral", HostPayload(accepted.Reference, 1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Object, body.GetProperty("Outputs").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("Logs").ValueKind);
        Assert.True(body.TryGetProperty("ReturnValue", out _));
        var status = await app.StatusAsync(accepted.Reference);
        Assert.Equal("delivered", status!.Status);
        Assert.Equal("west-mercia", status.Triage!.Routes[0].ForceId);
    }

    [Fact]
    public async Task The_same_message_twice_yields_one_decision()
    {
        using var app = new TestApp(azurite, AsCustomHandler);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        using var first = await app.Client.PostAsync("/TriageReferral", HostPayload(accepted.Reference, 1));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var decided = (await app.StatusAsync(accepted.Reference))!.Triage!.DecidedAt;
        using var again = await app.Client.PostAsync("/TriageReferral", HostPayload(accepted.Reference, 2));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var status = (await app.StatusAsync(accepted.Reference))!;
        Assert.Equal(decided, status.Triage!.DecidedAt);
        Assert.Single(status.Audit!, a => a.Event == "triaged");
        Assert.Single(status.Audit!, a => a.Event == "route-delivered");
    }

    [Fact]
    public async Task A_failed_invocation_answers_non_success_and_on_the_last_try_marks_the_referral_failed()
    {
        using var app = new TestApp(azurite, AsCustomHandler, s => s.AddSingleton<IReferralDelivery, Broken>());
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        using var early = await app.Client.PostAsync("/TriageReferral", HostPayload(accepted.Reference, 1));
        var afterEarly = (await app.StatusAsync(accepted.Reference))!.Status;
        using var last = await app.Client.PostAsync("/TriageReferral", HostPayload(accepted.Reference, 5));

        Assert.Equal(HttpStatusCode.InternalServerError, early.StatusCode); // the host's signal to retry
        Assert.Equal("triaged", afterEarly);
        Assert.Equal(HttpStatusCode.InternalServerError, last.StatusCode);
        Assert.Equal("failed", (await app.StatusAsync(accepted.Reference))!.Status);
    }

    [Fact]
    public async Task A_payload_that_is_not_the_hosts_shape_is_refused_with_400()
    {
        using var app = new TestApp(azurite, AsCustomHandler);

        using var response = await app.Client.PostAsync("/TriageReferral", new StringContent("{\"Data\":{}}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Standalone_the_trigger_endpoint_is_not_exposed()
    {
        using var app = new TestApp(azurite, new() { ["QueueListener:Enabled"] = "false" });

        using var response = await app.Client.PostAsync("/TriageReferral", HostPayload("RI-0000-0000-0000", 1));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private sealed class Broken : IReferralDelivery
    {
        public Task DeliverAsync(Storage.ReferralWork work, long dequeueCount, CancellationToken ct) =>
            throw new HttpRequestException("force down (test)");
    }
}
