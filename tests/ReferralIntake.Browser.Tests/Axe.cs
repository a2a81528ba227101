using System.Text.Json;
using Microsoft.Playwright;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>axe-core (from the repo's npm packages), injected into the page under test.</summary>
internal static class Axe
{
    private static readonly string Source = File.ReadAllText(Path.Combine(RepoPaths.Root, "node_modules", "axe-core", "axe.min.js"));

    /// <summary>The page's serious and critical violations of WCAG 2.2 A and AA and axe's best practice, as "id (impact, n nodes)".</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        await page.EvaluateAsync(Source);
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }))
              .violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }))
            """);
        return [.. result.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}, {v.GetProperty("nodes").GetInt32()} nodes)")];
    }

    /// <summary>A page for auditing what a browser without JavaScript shows: on the app's origin, with every script request refused.</summary>
    public static async Task<IPage> NoScriptAuditorAsync(IBrowser browser, string baseUrl)
    {
        var context = await browser.NewContextAsync();
        await context.RouteAsync(url => url.EndsWith(".js", StringComparison.Ordinal) || url.EndsWith(".mjs", StringComparison.Ordinal), route => route.AbortAsync());
        var auditor = await context.NewPageAsync();
        await auditor.GotoAsync($"{baseUrl}/cookies");
        return auditor;
    }

    /// <summary>
    /// The serious violations of a page open with JavaScript off (where nothing can be evaluated): its HTML as that
    /// browser has it, audited in <paramref name="auditor"/>, where no script of the app's runs either.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsWithoutJavaScriptAsync(IPage noScriptPage, IPage auditor)
    {
        await auditor.SetContentAsync(await noScriptPage.ContentAsync());
        Assert.Equal(0, await auditor.EvaluateAsync<int>("document.body.className.indexOf('js-enabled') + 1")); // no script ran
        return await SeriousViolationsAsync(auditor);
    }
}
