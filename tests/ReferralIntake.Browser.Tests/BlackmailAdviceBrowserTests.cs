using Microsoft.Playwright;
using ReferralIntake.Domain.Advice;
using ReferralIntake.Functions.Localisation;

namespace ReferralIntake.Browser.Tests;

/// <summary>
/// TRIAGE.md, "Advice fitted to the harm", as the 14-year-old who is being blackmailed sees it: on a phone, in English
/// or Welsh, with or without JavaScript, the confirmation says at once that it is not her fault and what to do.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BlackmailAdviceBrowserTests(BrowserFixture fixture)
{
    [Theory]
    [InlineData("en", true)]
    [InlineData("en", false)]
    [InlineData("cy", true)]
    [InlineData("cy", false)]
    public async Task A_child_being_blackmailed_sees_right_after_999_that_it_is_not_her_fault_and_what_to_do(string language, bool javaScript)
    {
        var t = Catalogue.ForCode(language);
        var page = await fixture.NewPageAsync(width: 375, javaScript: javaScript);
        await page.GotoAsync($"{fixture.BaseUrl}/report?lang={language}");
        await page.GetByLabel(t["role.child"]).CheckAsync();
        await page.GetByLabel(t["questions.description"]).FillAsync("He says he will send my pictures to my friends unless I pay him.");
        await page.GetByLabel(t["indicator.threats"]).CheckAsync();
        await page.GetByLabel(t["indicator.moneyDemanded"]).CheckAsync();
        await page.GetByLabel(t["indicator.imagesShared"]).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = t["button.continue"] }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = t["check.title"] }).WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = t["check.send.button"] }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = t["confirmation.title"] }).WaitForAsync();

        var blackmail = page.Locator("[data-advice=blackmail]");
        Assert.True(await blackmail.IsVisibleAsync());
        Assert.Equal(t["advice.blackmail.child"], (await blackmail.Locator("p").InnerTextAsync()).Trim());
        Assert.Equal(
            new[] { "dont-pay", "block", "evidence", "images" }.Select(step => t[$"advice.blackmail.{step}.child"]),
            (await blackmail.Locator("li").AllInnerTextsAsync()).Select(text => text.Trim()));
        Assert.Contains(AcknowledgementAdvice.TakeItDown, await blackmail.InnerTextAsync(), StringComparison.Ordinal);

        // Its place: right after the emergency line, before 101, Childline and Report Remove.
        // (Locators, not a script: they work with JavaScript off too.)
        var order = new List<string>();
        var items = page.Locator(".govuk-warning-text, [data-advice]");
        for (var i = 0; i < await items.CountAsync(); i++)
        {
            var item = items.Nth(i);
            order.Add(await item.GetAttributeAsync("data-advice") ?? ((await item.InnerTextAsync()).Contains("999", StringComparison.Ordinal) ? "emergency" : "other"));
        }

        Assert.Equal(["emergency", "blackmail", "non-emergency", "childline", "report-remove"], order.Where(kind => kind != "other"));
        // And the help comes first on the page, before what happens next: what to do now matters most to her.
        var headings = (await page.Locator("h2").AllInnerTextsAsync()).Select(h => h.Trim()).ToList();
        Assert.True(headings.IndexOf(t["confirmation.help.title"]) is >= 0 and var at && at < headings.IndexOf(t["confirmation.next.title"]), string.Join(" | ", headings));

        var auditor = javaScript ? null : await Axe.NoScriptAuditorAsync(fixture.Browser, fixture.BaseUrl);
        Assert.Empty(auditor is null ? await Axe.SeriousViolationsAsync(page) : await Axe.SeriousViolationsWithoutJavaScriptAsync(page, auditor));

        if (javaScript)
        {
            var path = Path.Combine(Screenshots.Folder, $"confirmation-blackmail-{language}-phone.png");
            Directory.CreateDirectory(Screenshots.Folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            Assert.True(new FileInfo(path).Length > 10_000, $"{path} looks empty");
        }
    }
}
