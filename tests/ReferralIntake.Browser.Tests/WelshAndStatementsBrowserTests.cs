using System.Text.Json;
using Microsoft.Playwright;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>
/// The service in Welsh and English, with JavaScript on and off: a whole Welsh report, the switch that keeps
/// what was typed, the confirmation that says who and when, feedback, the statements and the statistics,
/// every page checked by axe-core and photographed at phone and desktop width.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WelshAndStatementsBrowserTests(BrowserFixture fixture)
{
    private const string Description = "Mae dyn ar Snapchat yn anfon negeseuon at fy merch bob nos ac yn ei bygwth.";

    private Task<ReferralState> StateAsync(string reference) => fixture.StateWhenAsync(reference, s => s.Triage is not null, "triaged");

    /// <summary>A Welsh report from the start page, switching to English and back on the way: nothing typed is lost.</summary>
    private static async Task<string> SendWelshReportAsync(IPage page, string baseUrl)
    {
        await page.GotoAsync($"{baseUrl}/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Newid yr iaith i'r Gymraeg" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Dechrau nawr" }).ClickAsync();
        await page.GetByLabel("Rwy'n poeni am fy mhlentyn").CheckAsync();
        await page.GetByLabel("Cod post lle mae'r plentyn yn byw (dewisol)").FillAsync("CF10 1AA");
        await page.GetByLabel("Beth ddigwyddodd?").FillAsync(Description);
        await page.GetByLabel("Maen nhw'n bygwth y plentyn").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Parhau" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Gwiriwch eich atebion cyn anfon" }).WaitForAsync();

        // To English and back from the check page: the switch posts the answers over, so they are kept.
        await page.GetByRole(AriaRole.Button, new() { Name = "Change the language to English" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Tell us what happened" }).WaitForAsync();
        Assert.Equal(Description, await page.GetByLabel("What happened?").InputValueAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Newid yr iaith i'r Gymraeg" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Parhau" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Anfon adroddiad" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Adroddiad wedi'i anfon" }).WaitForAsync();
        return (await page.Locator("#reference").InnerTextAsync()).Trim();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_parent_reports_in_Welsh_is_told_who_will_have_it_and_when_and_the_force_is_told_it_is_Welsh(bool javaScript)
    {
        var page = await fixture.NewPageAsync(width: 375, javaScript: javaScript);

        var reference = await SendWelshReportAsync(page, fixture.BaseUrl);

        Assert.Equal("cy", await page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Rydym yn anfon eich adroddiad at Heddlu De Cymru. Dylai fod ganddyn nhw o fewn awr.", (await page.Locator("#who-and-when").InnerTextAsync()).Trim());
        Assert.Contains("Llinell Gymorth yr NSPCC", await page.Locator("[data-advice=nspcc-helpline]").InnerTextAsync());
        Assert.Equal(javaScript, await page.GetByRole(AriaRole.Link, new() { Name = "Argraffu neu gadw'r dudalen hon" }).IsVisibleAsync());
        var state = await StateAsync(reference);
        Assert.Equal("cy", state.Language);
        Assert.Equal(Priority.P2, state.Triage!.Priority);
        Assert.Equal("south-wales", state.Triage.Routes.Single(r => r.Kind == RouteKind.PoliceForce).Force!.Id); // the decision the page described
    }

    [Fact]
    public async Task Leaving_from_a_Welsh_page_clears_the_session_too()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"{fixture.BaseUrl}/report?lang=cy");
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "ri-antiforgery");

        await page.GetByRole(AriaRole.Button, new() { Name = "Gadael y wefan hon" }).ClickAsync();

        await page.WaitForURLAsync($"{BrowserFixture.ExitUrl}**", new() { Timeout = 10_000, WaitUntil = WaitUntilState.Commit });
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "ri-antiforgery");
    }

    /// <summary>Visits each page of the service in one language, calling <paramref name="visit"/> on each.</summary>
    private async Task WalkNewPagesAsync(IPage page, string lang, Func<string, Task> visit)
    {
        var q = lang == "cy" ? "?lang=cy" : "";
        await fixture.RefreshStatisticsAsync();
        foreach (var (path, name) in new[] { ("/", "start"), ("/leaving-quickly", "leaving-quickly"), ("/accessibility", "accessibility"), ("/privacy", "privacy"), ("/cookies", "cookies"), ("/statistics", "statistics"), ("/feedback", "feedback") })
        {
            await page.GotoAsync($"{fixture.BaseUrl}{path}{q}");
            await visit(name);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = lang == "cy" ? "Anfon adborth" : "Send feedback" }).ClickAsync();
        await page.Locator(".govuk-error-summary").WaitForAsync();
        await visit("feedback-errors");
        await page.GetByLabel(lang == "cy" ? "Bodlon iawn" : "Very satisfied").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = lang == "cy" ? "Anfon adborth" : "Send feedback" }).ClickAsync();
        await page.Locator(".govuk-panel--confirmation").WaitForAsync();
        await visit("feedback-sent");
        if (lang == "cy")
        {
            await SendWelshReportAsync(page, fixture.BaseUrl);
        }
        else
        {
            await FormFlow.FillParentReportAsync(page, fixture.BaseUrl);
            await FormFlow.ContinueAndSendAsync(page);
        }

        await visit("confirmation");
    }

    [Theory]
    [InlineData("en", true)]
    [InlineData("en", false)]
    [InlineData("cy", true)]
    [InlineData("cy", false)]
    public async Task Every_page_in_each_language_with_and_without_JavaScript_has_no_serious_accessibility_problem(string lang, bool javaScript)
    {
        // One of the four at phone width, where the statistics tables scroll sideways.
        var page = await fixture.NewPageAsync(width: lang == "cy" && javaScript ? 375 : 1280, javaScript: javaScript);
        // A page with JavaScript off cannot run axe itself: its DOM is audited in a page whose own scripts are blocked.
        var auditor = javaScript ? null : await Axe.NoScriptAuditorAsync(fixture.Browser, fixture.BaseUrl);
        var visited = new List<string>();
        var problems = new List<string>();

        await WalkNewPagesAsync(page, lang, async name =>
        {
            visited.Add(name);
            Assert.Equal(lang, await page.GetAttributeAsync("html", "lang"));
            Assert.Equal(1, await page.Locator(".app-language-select").CountAsync());
            Assert.Equal(1, await page.Locator("#leave-this-site").CountAsync());
            var found = auditor is null ? await Axe.SeriousViolationsAsync(page) : await Axe.SeriousViolationsWithoutJavaScriptAsync(page, auditor);
            problems.AddRange(found.Select(v => $"{lang} {javaScript} {name}: {v}"));
        });

        Assert.Equal(["start", "leaving-quickly", "accessibility", "privacy", "cookies", "statistics", "feedback", "feedback-errors", "feedback-sent", "confirmation"], visited);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("en", 375)]
    [InlineData("en", 1280)]
    [InlineData("cy", 375)]
    [InlineData("cy", 1280)]
    public async Task Every_page_in_each_language_is_photographed_at_phone_and_desktop_width(string lang, int width)
    {
        Directory.CreateDirectory(Screenshots.Folder);
        var page = await fixture.NewPageAsync(width);
        var taken = new List<string>();

        await WalkNewPagesAsync(page, lang, async name =>
        {
            if (lang == "en" && name is "start" or "confirmation")
            {
                return; // the English journey's own screenshots have these
            }

            var path = Path.Combine(Screenshots.Folder, $"{name}-{lang}-{(width < 600 ? "phone" : "desktop")}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            taken.Add(path);
        });

        Assert.Equal(lang == "en" ? 8 : 10, taken.Count);
        Assert.All(taken, path => Assert.True(new FileInfo(path).Length > 10_000, $"{path} looks empty"));
    }
}
