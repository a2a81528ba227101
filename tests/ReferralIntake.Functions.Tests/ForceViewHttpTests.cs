using System.Net;
using ReferralIntake.Functions.ForceView;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>The force view's doors at the HTTP level: Entra ID sign-in in Azure (the platform's principal header), and nothing open without it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ForceViewHttpTests(AzuriteFixture azurite)
{
    private static async Task<HttpResponseMessage> GetAsync(TestApp app, string path, string? principal)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.Client.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (principal is not null)
        {
            request.Headers.Add(EntraForceAuthentication.PrincipalHeader, principal);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task In_Azure_a_person_with_a_force_role_sees_that_force_only_and_anyone_else_is_sent_to_sign_in()
    {
        using var app = new TestApp(azurite, new() { ["ForceView:EntraId:Enabled"] = "true", ["LocalInbox:Enabled"] = "true" });
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        using var westMercia = await GetAsync(app, "/force/referrals", EntraForceAuthentication.HeaderFor("Force.west-mercia"));
        using var otherForce = await GetAsync(app, $"/force/referrals/{reference}", EntraForceAuthentication.HeaderFor("Force.warwickshire"));
        using var noRole = await GetAsync(app, "/force/referrals", EntraForceAuthentication.HeaderFor("Reader"));
        using var garbage = await GetAsync(app, "/force/referrals", "not base64 {");
        using var signInPage = await GetAsync(app, "/force", null);

        Assert.Equal(HttpStatusCode.OK, westMercia.StatusCode);
        Assert.Contains(reference, await westMercia.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(westMercia.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.NotFound, otherForce.StatusCode);
        Assert.Equal((HttpStatusCode.Redirect, "/force"), (noRole.StatusCode, noRole.Headers.Location?.AbsolutePath));
        Assert.Equal(HttpStatusCode.Redirect, garbage.StatusCode);
        Assert.Contains("Sign in with your work account", await signInPage.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_Entra_ID_switched_on_the_principal_header_is_ignored()
    {
        using var app = new TestApp(azurite, new() { ["QueueListener:Enabled"] = "false" });

        using var spoofed = await GetAsync(app, "/force/referrals", EntraForceAuthentication.HeaderFor("Force.west-mercia"));

        Assert.Equal((HttpStatusCode.Redirect, "/force"), (spoofed.StatusCode, spoofed.Headers.Location?.AbsolutePath));
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("e30=", null)] // {}
    [InlineData("bm90IGpzb24=", null)] // not json
    public void A_principal_header_that_is_not_valid_names_no_force(string header, string? expected) =>
        Assert.Equal(expected, EntraForceAuthentication.ForceFrom(header));

    [Fact]
    public void One_force_role_names_the_force_and_two_name_none() =>
        Assert.Equal(("west-mercia", null), (EntraForceAuthentication.ForceFrom(EntraForceAuthentication.HeaderFor("Force.west-mercia", "Reader")),
            EntraForceAuthentication.ForceFrom(EntraForceAuthentication.HeaderFor("Force.west-mercia", "Force.warwickshire"))));
}
