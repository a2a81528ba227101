using System.Net;
using System.Net.Http.Json;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Operators have identities: Entra ID with the Operator role in Azure, the admin key only in local development; each action recorded by name.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperatorTests(AzuriteFixture azurite)
{
    private const string AdminKey = "operator-tests-admin-key";

    private static async Task<HttpResponseMessage> SendAsync(TestApp app, HttpMethod method, string path, string? principal = null, string? key = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (principal is not null)
        {
            request.Headers.Add(EasyAuthPrincipal.Header, principal);
        }

        if (key is not null)
        {
            request.Headers.Add("X-Admin-Key", key);
        }

        using var client = app.CreateClient();
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task An_operator_signed_in_with_Entra_ID_acts_under_their_own_name_and_a_person_without_the_role_cannot()
    {
        using var app = new TestApp(azurite, new() { ["EntraId:Enabled"] = "true", [TestApp.QueueTriggersOff] = "true" });
        var erased = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        var replayed = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.PoisonQueue.SendMessageAsync(replayed);
        var operatorHeader = EasyAuthPrincipal.HeaderFor("ops.jones@example.org", "Operator");

        using var notOperator = await SendAsync(app, HttpMethod.Delete, $"/api/admin/referrals/{erased}", EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Force.west-mercia"));
        using var noOne = await SendAsync(app, HttpMethod.Get, "/api/admin/poison");
        using var erase = await SendAsync(app, HttpMethod.Delete, $"/api/admin/referrals/{erased}", operatorHeader);
        using var replay = await SendAsync(app, HttpMethod.Post, "/api/admin/poison/replay", operatorHeader, body: new { references = new[] { replayed } });

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (notOperator.StatusCode, noOne.StatusCode));
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.OK), (erase.StatusCode, replay.StatusCode));
        var record = (await app.Container.GetBlobClient($"erasures/{erased}.json").DownloadContentAsync()).Value.Content.ToString();
        Assert.Contains("\"erasedBy\":\"ops.jones@example.org\"", record, StringComparison.Ordinal);
        Assert.Contains((await app.StatusAsync(replayed))!.Audit!, a => a.Event == "replayed" && a.Detail!.EndsWith("by ops.jones@example.org", StringComparison.Ordinal));
        Assert.Contains(app.Logs, l => l.Contains("Operator ops.jones@example.org replayed 1 referrals", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_operator_reads_any_partners_referral_and_an_unknown_reference_or_a_caller_without_a_key_gets_nothing()
    {
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true", ["Admin:KeySha256"] = Partners.HashKey(AdminKey) });
        using var submitted = await app.SubmitAsync(Samples.WestMerciaP2, apiKey: TestApp.PartnerBKey); // partner B's, not A's
        var reference = (await submitted.Content.ReadFromJsonAsync<AcceptedReferral>())!.Reference;

        using var asOperator = await SendAsync(app, HttpMethod.Get, $"/api/admin/referrals/{reference}", key: AdminKey);
        using var unknown = await SendAsync(app, HttpMethod.Get, "/api/admin/referrals/RI-AAAA-AAAA-AAAA", key: AdminKey);
        using var noKey = await SendAsync(app, HttpMethod.Get, $"/api/admin/referrals/{reference}");
        using var wrongKey = await SendAsync(app, HttpMethod.Get, $"/api/admin/referrals/{reference}", key: "not-the-admin-key");
        using var asPartnerA = await app.GetWithKeyAsync($"/api/referrals/{reference}", TestApp.PartnerAKey);

        Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);
        var status = (await asOperator.Content.ReadFromJsonAsync<ReferralStatusBody>())!;
        Assert.Equal((reference, "received"), (status.Reference, status.Status));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (noKey.StatusCode, wrongKey.StatusCode));
        Assert.Equal(HttpStatusCode.NotFound, asPartnerA.StatusCode); // a partner sees only its own: the operator route is the way in
    }

    [Fact]
    public async Task Against_a_real_storage_account_the_admin_key_opens_nothing()
    {
        // Not Azurite: the admin key is for local development only, so with nothing else the routes do not exist.
        const string prodLike = "DefaultEndpointsProtocol=https;AccountName=strireferralprod;AccountKey=bm90LWEta2V5;BlobEndpoint=https://203.0.113.10/;QueueEndpoint=https://203.0.113.10/";
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true", ["Admin:KeySha256"] = Partners.HashKey(AdminKey), ["Links:Key"] = new string('k', 32) }, connectionString: prodLike);

        using var withKey = await SendAsync(app, HttpMethod.Get, "/api/admin/poison", key: AdminKey);

        Assert.Equal(HttpStatusCode.NotFound, withKey.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_only_what_partners_and_forces_may_call()
    {
        using var app = new TestApp(azurite, new() { ["EntraId:Enabled"] = "true", [TestApp.QueueTriggersOff] = "true" });

        var document = await app.Client.GetStringAsync("/api/openapi/v1.json");

        Assert.DoesNotContain("/api/admin", document, StringComparison.Ordinal);
        Assert.DoesNotContain("/TriageReferral", document, StringComparison.Ordinal);
        Assert.Contains("/api/referrals", document, StringComparison.Ordinal);
        Assert.Contains("/api/forces/{forceId}/referrals", document, StringComparison.Ordinal);
    }
}
