using Microsoft.Playwright;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>A force's call handler in a real browser: sign in with the force's key, P1s first, read one, answer it; with JavaScript on and off.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ForceViewBrowserTests(BrowserFixture fixture)
{
    private async Task<string> DeliveredAsync(string report)
    {
        var reference = (await fixture.App.SubmitAcceptedAsync(report)).Reference;
        await fixture.App.StatusWhenAsync(reference, "delivered");
        return reference;
    }

    private async Task SignInAsync(IPage page)
    {
        await page.GotoAsync($"{fixture.BaseUrl}/force");
        await page.GetByLabel("Force API key").FillAsync(BrowserFixture.ForceKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Referrals for West Mercia Police" }).WaitForAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_call_handler_signs_in_sees_P1s_first_reads_one_and_accepts_it(bool javaScript)
    {
        var p2 = await DeliveredAsync(Samples.WestMerciaP2);
        var p1 = await DeliveredAsync(Samples.WestMerciaP1);
        var page = await fixture.NewPageAsync(javaScript: javaScript);

        await SignInAsync(page);

        var priorities = await page.Locator("tbody tr td:first-child").AllInnerTextsAsync();
        var firstNotP1 = priorities.ToList().FindIndex(p => !p.Contains("P1", StringComparison.Ordinal));
        Assert.True(firstNotP1 == -1 || priorities.Skip(firstNotP1).All(p => !p.Contains("P1", StringComparison.Ordinal)), "every P1 is listed before the rest");
        Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = p2 }).IsVisibleAsync());

        var response = await page.GotoAsync($"{fixture.BaseUrl}/force/referrals/{p1}");
        Assert.Contains("no-store", response!.Headers["cache-control"], StringComparison.Ordinal);
        Assert.Contains("outside her school now", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.GetByLabel("Note for the service (optional, not seen by the reporter)").FillAsync("Incident 4471");
        await page.GetByRole(AriaRole.Button, new() { Name = "Accept this referral" }).ClickAsync();

        await page.GetByText("The referral is recorded as accepted by your force.").WaitForAsync();
        Assert.DoesNotContain("outside", page.Url, StringComparison.Ordinal); // no report content in any address
        Assert.DoesNotContain("4471", page.Url, StringComparison.Ordinal);
        var status = await fixture.App.StatusWhenAsync(p1, "acknowledged");
        Assert.Equal("acknowledged", status.Triage!.Routes.Single(r => r.Kind == "police-force").State);
        await page.GotoAsync($"{fixture.BaseUrl}/force/referrals");
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = p1 }).CountAsync()); // no longer waiting
    }

    [Fact]
    public async Task A_wrong_key_gets_a_clear_error_and_the_referrals_stay_closed()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"{fixture.BaseUrl}/force");
        await page.GetByLabel("Force API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        Assert.StartsWith("Error: ", await page.TitleAsync());
        Assert.Contains("Enter your force's API key", await page.Locator(".govuk-error-summary").InnerTextAsync(), StringComparison.Ordinal);
        await page.GotoAsync($"{fixture.BaseUrl}/force/referrals");
        Assert.EndsWith("/force", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal); // sent to sign in
    }

    [Fact]
    public async Task The_force_view_has_no_serious_accessibility_issue_and_is_photographed()
    {
        var reference = await DeliveredAsync(Samples.WestMerciaP2);
        var problems = new List<string>();
        foreach (var width in new[] { 375, 1280 })
        {
            var page = await fixture.NewPageAsync(width);
            async Task VisitAsync(string name) => problems.AddRange(await CheckAndPhotographAsync(page, name, width));

            await page.GotoAsync($"{fixture.BaseUrl}/force");
            await VisitAsync("force-sign-in");
            await SignInAsync(page);
            await VisitAsync("force-referrals");
            await page.GotoAsync($"{fixture.BaseUrl}/force/referrals/{reference}");
            await VisitAsync("force-referral");
        }

        Assert.Empty(problems);
    }

    /// <summary>axe's serious and critical findings on the page (as "name at width: rule"), and its full-page screenshot in docs/screenshots.</summary>
    private static async Task<IEnumerable<string>> CheckAndPhotographAsync(IPage page, string name, int width)
    {
        var violations = await Axe.SeriousViolationsAsync(page);
        Directory.CreateDirectory(Screenshots.Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots.Folder, $"{name}-{(width < 600 ? "phone" : "desktop")}.png"), FullPage = true });
        return violations.Select(v => $"{name} at {width}: {v}").ToList();
    }

    private static string Naming(string postcode, string username) => Samples.Naming(username, "Snapchat", postcode);

    /// <summary>The page's linked referrals: the Birmingham one, then the Stafford one, each with the force holding it.</summary>
    private static async Task<IReadOnlyList<string>> LinkedRowsAsync(IPage page, string birmingham, string stafford)
    {
        var rows = await page.Locator("#linked-referrals ~ table tbody tr").AllInnerTextsAsync();
        Assert.Equal(2, rows.Count);
        Assert.Contains(birmingham, rows[0], StringComparison.Ordinal);
        Assert.Contains("West Midlands Police", rows[0], StringComparison.Ordinal);
        Assert.Contains(stafford, rows[1], StringComparison.Ordinal);
        Assert.Contains("Staffordshire Police", rows[1], StringComparison.Ordinal);
        return rows;
    }

    [Fact]
    public async Task Linked_referrals_show_the_other_forces_references_and_the_regional_unit_prompt_with_no_serious_accessibility_issue()
    {
        var username = $"@link_{Guid.NewGuid():N}"[..16];
        var birmingham = await DeliveredAsync(Naming("B1 1AA", username));
        var stafford = await DeliveredAsync(Naming("ST16 2AB", username));
        var reference = await DeliveredAsync(Naming(Samples.Postcode, username)); // West Mercia's, the third naming the account
        var problems = new List<string>();
        foreach (var width in new[] { 375, 1280 })
        {
            var page = await fixture.NewPageAsync(width);
            await SignInAsync(page);
            await page.GotoAsync($"{fixture.BaseUrl}/force/referrals/{reference}");

            await page.GetByRole(AriaRole.Heading, new() { Name = "Linked referrals" }).WaitForAsync();
            var rows = await LinkedRowsAsync(page, birmingham, stafford);
            Assert.Contains("Tell your regional organised crime unit. ", await page.Locator(".govuk-warning-text").First.InnerTextAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain(username.TrimStart('@'), string.Join(" ", rows), StringComparison.Ordinal); // the links name no account
            Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= width, $"the page is wider than the {width} px screen");
            problems.AddRange(await CheckAndPhotographAsync(page, "force-referral-linked", width));
        }

        Assert.Empty(problems);
    }

    [Fact]
    public async Task The_force_holding_the_first_referral_finds_the_later_ones_through_their_link_notices_on_its_list_and_on_the_referral()
    {
        var username = $"@note_{Guid.NewGuid():N}"[..16];
        var first = await DeliveredAsync(Naming(Samples.Postcode, username)); // West Mercia's, the first naming the account
        var birmingham = await DeliveredAsync(Naming("B1 1AA", username));
        var stafford = await DeliveredAsync(Naming("ST16 2AB", username));
        var page = await fixture.NewPageAsync(375);
        await SignInAsync(page);

        // Each later referral's notice is made after its triage: the list shows both once they are.
        var listed = await Eventually.ValueAsync(async () =>
        {
            await page.ReloadAsync();
            return (await page.Locator("#link-notices ~ ul li").AllInnerTextsAsync()).Where(n => n.StartsWith(first, StringComparison.Ordinal)).ToList();
        }, l => l.Count == 2, TimeSpan.FromSeconds(30), "both link notices on West Mercia's list");
        Assert.Equal(new[] { $"{first}: linked to {birmingham}", $"{first}: linked to {stafford}" }.Order(), listed.Order());

        await page.GetByRole(AriaRole.Link, new() { Name = first }).Last.ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Linked referrals" }).WaitForAsync();
        await LinkedRowsAsync(page, birmingham, stafford);
        Assert.Equal("Warning Tell your regional organised crime unit. The account is named in 3 referrals held by West Midlands Police, Staffordshire Police and West Mercia Police.",
            (await page.Locator(".govuk-warning-text").First.InnerTextAsync()).Replace("!", "", StringComparison.Ordinal).Trim().ReplaceLineEndings(" "));
        Assert.Contains("Link notices: 2 later referrals", await page.Locator("#link-notices").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 375, "the page is wider than the phone");
        var problems = (await CheckAndPhotographAsync(page, "force-referral-link-notices", 375)).ToList();

        // Opened, they are off the list.
        await page.GotoAsync($"{fixture.BaseUrl}/force/referrals");
        Assert.DoesNotContain(await page.Locator("#link-notices ~ ul li").AllInnerTextsAsync(), n => n.StartsWith(first, StringComparison.Ordinal));
        Assert.Empty(problems);
    }
}
