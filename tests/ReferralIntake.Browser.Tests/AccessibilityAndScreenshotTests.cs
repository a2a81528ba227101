using Microsoft.Playwright;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>
/// Every page of the journey, checked by axe-core (from the repo's npm packages, injected by the test)
/// and photographed at phone and desktop widths. Screenshots go to TestResults/screenshots, or to
/// docs/screenshots when REFERRALINTAKE_UPDATE_SCREENSHOTS=1 (how the committed ones were made).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityAndScreenshotTests(BrowserFixture fixture)
{
    private static string ScreenshotFolder => Screenshots.Folder;

    /// <summary>Walks the journey, calling <paramref name="visit"/> on each page as a person reaches it.</summary>
    private async Task WalkJourneyAsync(IPage page, Func<string, Task> visit)
    {
        await page.GotoAsync(fixture.BaseUrl + "/");
        await visit("start");
        await page.GotoAsync(fixture.BaseUrl + "/report");
        await visit("form");
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.Locator(".govuk-error-summary").WaitForAsync();
        await visit("errors");
        await FormFlow.FillParentReportAsync(page, fixture.BaseUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Check your answers before sending" }).WaitForAsync();
        await visit("check-answers");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send report" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Report sent" }).WaitForAsync();
        await visit("confirmation");
        await page.GotoAsync(fixture.BaseUrl + "/about");
        await visit("about");
    }

    [Fact]
    public async Task No_page_has_a_serious_or_critical_accessibility_violation()
    {
        var page = await fixture.NewPageAsync();
        var checkedPages = new List<string>();
        var problems = new List<string>();

        await WalkJourneyAsync(page, async name =>
        {
            checkedPages.Add(name);
            problems.AddRange((await Axe.SeriousViolationsAsync(page)).Select(v => $"{name}: {v}"));
        });

        Assert.Equal(["start", "form", "errors", "check-answers", "confirmation", "about"], checkedPages);
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData(375)]
    [InlineData(1280)]
    public async Task Every_page_is_photographed_at_phone_and_desktop_width(int width)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var page = await fixture.NewPageAsync(width);
        var taken = new List<string>();
        var wider = new List<string>();

        await WalkJourneyAsync(page, async name =>
        {
            var path = Path.Combine(ScreenshotFolder, $"{name}-{(width < 600 ? "phone" : "desktop")}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            taken.Add(path);
            if (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") > width)
            {
                wider.Add(name); // a page that scrolls sideways on a phone
            }
        });

        Assert.Equal(6, taken.Count);
        Assert.Empty(wider);
        Assert.All(taken, path => Assert.True(new FileInfo(path).Length > 10_000, $"{path} looks empty"));
    }
}

/// <summary>Where screenshots go: TestResults/screenshots, or docs/screenshots with REFERRALINTAKE_UPDATE_SCREENSHOTS=1.</summary>
internal static class Screenshots
{
    public static string Folder => Environment.GetEnvironmentVariable("REFERRALINTAKE_UPDATE_SCREENSHOTS") == "1"
        ? Path.Combine(RepoPaths.Root, "docs", "screenshots")
        : Path.Combine(RepoPaths.Root, "TestResults", "screenshots");
}
