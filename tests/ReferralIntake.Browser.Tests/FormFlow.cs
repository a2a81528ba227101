using Microsoft.Playwright;

namespace ReferralIntake.Browser.Tests;

/// <summary>A person filling in the form: by label, as a screen-reader user would find each field.</summary>
internal static class FormFlow
{
    public const string Description = "A man on Roblox keeps asking my son for photos and told him to keep it secret.";

    public static async Task FillParentReportAsync(IPage page, string baseUrl)
    {
        await page.GotoAsync($"{baseUrl}/report");
        await page.GetByLabel("I am worried about my child").CheckAsync();
        await page.GetByLabel("Child's first name (optional)").FillAsync("Sam");
        await page.GetByLabel("Child's age (optional)").FillAsync("12");
        await page.GetByLabel("Postcode where the child lives (optional)").FillAsync("b45 8ab");
        await page.GetByLabel("What happened?").FillAsync(Description);
        await page.GetByLabel("They have asked the child for sexual pictures or videos").CheckAsync();
        await page.GetByLabel("They have asked the child to keep it secret").CheckAsync();
        await page.GetByLabel("Where did it happen? (optional)").FillAsync("Roblox, Discord");
    }

    public static async Task<string> ContinueAndSendAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Check your answers before sending" }).WaitForAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send report" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Report sent" }).WaitForAsync();
        return (await page.Locator("#reference").InnerTextAsync()).Trim();
    }
}
