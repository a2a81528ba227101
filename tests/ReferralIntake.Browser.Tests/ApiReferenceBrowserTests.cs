using Microsoft.Playwright;

namespace ReferralIntake.Browser.Tests;

/// <summary>The API reference for partner and force developers (Scalar): served by the app itself, nothing fetched from elsewhere, only the partner and force APIs.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task The_API_reference_shows_the_partner_and_force_APIs_with_nothing_from_a_CDN()
    {
        var page = await fixture.NewPageAsync(1280);
        var elsewhere = new List<string>();
        await page.Context.RouteAsync("**/*", async route =>
        {
            var host = new Uri(route.Request.Url).Host;
            if (host is "127.0.0.1" or "localhost")
            {
                await route.ContinueAsync();
            }
            else
            {
                elsewhere.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });

        await page.GotoAsync($"{fixture.BaseUrl}/api/reference/");
        await page.GetByText("Submit a concern report").First.WaitForAsync(new() { Timeout = 30_000 });
        var text = await page.Locator("body").InnerTextAsync();

        Assert.Empty(elsewhere);
        Assert.Contains("Acknowledge", text, StringComparison.OrdinalIgnoreCase); // the force API too
        Assert.DoesNotContain("/api/admin", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TriageReferral", text, StringComparison.Ordinal);
        Directory.CreateDirectory(Screenshots.Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots.Folder, "api-reference-desktop.png") });
    }
}
