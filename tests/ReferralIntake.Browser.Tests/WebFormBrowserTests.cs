using System.Text.Json;
using Microsoft.Playwright;
using ReferralIntake.Functions.Api;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>The parent web form in a real browser: the whole journey, errors, the quick exit, and no JavaScript.</summary>
[Collection(BrowserCollection.Name)]
public sealed class WebFormBrowserTests(BrowserFixture fixture)
{
    private Task<ReferralState> StateWhenAsync(string reference, string status) =>
        fixture.StateWhenAsync(reference, s => s.Status.Wire() == status, status);

    [Fact]
    public async Task A_parent_fills_in_and_sends_the_form_sees_the_reference_and_the_referral_is_routed()
    {
        var page = await fixture.NewPageAsync();
        await FormFlow.FillParentReportAsync(page, fixture.BaseUrl);

        var reference = await FormFlow.ContinueAndSendAsync(page);

        Assert.Matches("^RI-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", reference);
        Assert.Contains("0808 800 5000", await page.Locator("[data-advice=nspcc-helpline]").InnerTextAsync());
        Assert.Equal(0, await page.Locator("[data-advice=childline]").CountAsync());
        Assert.DoesNotContain(reference, page.Url); // nothing about the report in the address bar
        var state = await StateWhenAsync(reference, "delivered");
        Assert.Equal("web-form", state.PartnerId);
        Assert.Equal(Priority.P2, state.Triage!.Priority);
        var police = Assert.Single(state.Triage.Routes);
        Assert.Equal((RouteKind.PoliceForce, "west-mercia"), (police.Kind, police.Force?.Id));
    }

    [Fact]
    public async Task Sending_with_errors_shows_a_summary_whose_links_go_to_each_field()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync($"{fixture.BaseUrl}/report");
        await page.GetByLabel("Postcode where the child lives (optional)").FillAsync("not a postcode");

        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();

        Assert.StartsWith("Error: ", await page.TitleAsync());
        var summary = page.Locator(".govuk-error-summary");
        Assert.Equal("There is a problem", (await summary.Locator("h2").InnerTextAsync()).Trim());
        var links = summary.Locator("a");
        Assert.Equal(["Select who you are", "Enter a real UK postcode, like B15 2TT, or just its first part, like B15.", "Enter what happened"],
            (await links.AllInnerTextsAsync()).Select(t => t.Trim()));
        Assert.Equal("not a postcode", await page.GetByLabel("Postcode where the child lives (optional)").InputValueAsync()); // kept

        await links.Nth(1).ClickAsync();
        Assert.Equal("child-postcode", await page.EvaluateAsync<string>("document.activeElement.id"));
        await links.Nth(2).ClickAsync();
        Assert.Equal("concern-description", await page.EvaluateAsync<string>("document.activeElement.id"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Leave_this_site_takes_the_user_away_at_once_from_every_page_and_forgets_the_session(bool javaScript)
    {
        foreach (var path in new[] { "/", "/report", "/about" })
        {
            var page = await fixture.NewPageAsync(javaScript: javaScript);
            await page.GotoAsync($"{fixture.BaseUrl}/report"); // the form sets the anti-forgery cookie
            await page.GotoAsync($"{fixture.BaseUrl}{path}");
            Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "ri-antiforgery");

            await page.GetByRole(AriaRole.Button, new() { Name = "Leave this site" }).ClickAsync();

            // Commit, not load: what matters is that the address bar has left this site.
            await page.WaitForURLAsync($"{BrowserFixture.ExitUrl}**", new() { Timeout = 10_000, WaitUntil = WaitUntilState.Commit });
            Assert.StartsWith(BrowserFixture.ExitUrl, page.Url);
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "ri-antiforgery");
            Assert.Equal("", await page.EvaluateAsync<string>("document.referrer"));
        }
    }

    [Fact]
    public async Task The_form_works_with_JavaScript_off_for_a_child_reporting_themself()
    {
        var page = await fixture.NewPageAsync(width: 375, javaScript: false);
        await page.GotoAsync($"{fixture.BaseUrl}/report");
        await page.GetByLabel("I am the young person this is about").CheckAsync();
        await page.GetByLabel("What happened?").FillAsync("Someone I met in a game sent me a picture of me he had saved and says he will post it.");
        await page.GetByLabel("They have shared sexual pictures or videos of the child").CheckAsync();
        await page.GetByLabel("They have asked to meet, or a meeting is arranged").CheckAsync();
        Assert.True(await page.GetByLabel("Day").IsVisibleAsync()); // no JavaScript: the meeting questions are simply shown
        await page.GetByLabel("Day").FillAsync("40");
        await page.GetByLabel("Month").FillAsync("13");
        await page.GetByLabel("Year").FillAsync("2026");

        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        Assert.Contains("Enter the meeting date as numbers", await page.Locator(".govuk-error-summary").InnerTextAsync());
        var tomorrow = DateTime.UtcNow.AddDays(1);
        await page.GetByLabel("Day").FillAsync(tomorrow.Day.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Month").FillAsync(tomorrow.Month.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Year").FillAsync(tomorrow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var reference = await FormFlow.ContinueAndSendAsync(page);

        Assert.Contains("0800 1111", await page.Locator("[data-advice=childline]").InnerTextAsync());
        Assert.Equal(1, await page.Locator("[data-advice=report-remove]").CountAsync());
        var state = await StateWhenAsync(reference, "delivered");
        Assert.Equal(Priority.P1, state.Triage!.Priority); // a meeting tomorrow
        Assert.Equal([RouteKind.Ceop, RouteKind.Childline, RouteKind.ReportRemove], state.Triage.Routes.Select(r => r.Kind));
    }

    [Fact]
    public async Task Sending_twice_from_the_same_check_page_makes_one_referral()
    {
        var page = await fixture.NewPageAsync();
        await FormFlow.FillParentReportAsync(page, fixture.BaseUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Check your answers before sending" }).WaitForAsync();

        // Two sends of the same page, as a double click or a retry after a dropped connection would make.
        var references = await page.EvaluateAsync<string[]>("""
            async () => {
              const form = document.querySelector('form[action="/report/send"]');
              const send = async () => {
                const html = await (await fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)) })).text();
                return new DOMParser().parseFromString(html, 'text/html').querySelector('#reference').textContent.trim();
              };
              return [await send(), await send()];
            }
            """);

        Assert.Equal(references[0], references[1]);
    }
}
