using System.Net;
using ReferralIntake.Functions.ForceView;
using ReferralIntake.Functions.Hosting;
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
            request.Headers.Add(EasyAuthPrincipal.Header, principal);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task In_Azure_a_person_with_a_force_role_sees_that_force_only_and_anyone_else_is_sent_to_sign_in()
    {
        using var app = new TestApp(azurite, new() { ["EntraId:Enabled"] = "true", ["LocalInbox:Enabled"] = "true" });
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        using var westMercia = await GetAsync(app, "/force/referrals", EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Force.west-mercia"));
        using var otherForce = await GetAsync(app, $"/force/referrals/{reference}", EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Force.warwickshire"));
        using var noRole = await GetAsync(app, "/force/referrals", EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Reader"));
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
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true" });

        using var spoofed = await GetAsync(app, "/force/referrals", EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Force.west-mercia"));

        Assert.Equal((HttpStatusCode.Redirect, "/force"), (spoofed.StatusCode, spoofed.Headers.Location?.AbsolutePath));
    }

    [Theory]
    [InlineData("")]
    [InlineData("e30=")] // {}
    [InlineData("bm90IGpzb24=")] // not json
    [InlineData("not base64 {")]
    public void A_principal_header_that_is_not_valid_is_nobody(string header) =>
        Assert.Null(EasyAuthPrincipal.Parse(header));

    [Fact]
    public void One_force_role_names_the_force_and_two_name_none()
    {
        var one = EasyAuthPrincipal.Parse(EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Force.west-mercia", "Reader"))!;
        var two = EasyAuthPrincipal.Parse(EasyAuthPrincipal.HeaderFor("pc.smith@example.police.uk", "Force.west-mercia", "Force.warwickshire"))!;

        Assert.Equal(("pc.smith@example.police.uk", "west-mercia", null), (one.Name, EntraForceAuthentication.ForceOf(one), EntraForceAuthentication.ForceOf(two)));
    }
}
