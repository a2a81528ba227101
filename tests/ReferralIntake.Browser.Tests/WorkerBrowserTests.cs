using Microsoft.Playwright;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>
/// The public pages and the force view as the isolated worker serves them under the local Functions host (the
/// published app, as Azure gets it): a parent's whole journey to the confirmation, the call handler reading and
/// accepting it in the force view, "Leave this site" with JavaScript on and off, and axe on the pages. The rest of
/// the browser suite runs against the same worker in the tests' own process (BrowserFixture's TestApp).
/// </summary>
public sealed class WorkerBrowserTests : IAsyncLifetime
{
    private readonly AzuriteFixture _azurite = new();
    private WorkerUnderLocalHost _worker = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private string BaseUrl => _worker.Client.BaseAddress!.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        await _azurite.InitializeAsync();
        var suffix = Guid.NewGuid().ToString("N")[..10];
        _worker = await WorkerUnderLocalHost.StartAsync(new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["ReferralQueueName"] = $"browser-{suffix}",
            ["UrgentReferralQueueName"] = $"browser-{suffix}-urgent",
            ["DeliveryQueueName"] = $"browser-{suffix}-deliveries",
            ["ReferralContainerName"] = $"browser-{suffix}",
            [$"Forces:{BrowserFixture.ForceId}:KeySha256"] = ReferralIntake.Functions.Intake.Partners.HashKey(BrowserFixture.ForceKey),
            ["WebForm:PostsPerMinute"] = "1000",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
        });
        _playwright = await Playwright.CreateAsync();
        _browser = await BrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _worker.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    private Task<IPage> NewPageAsync(bool javaScript = true) => BrowserFixture.NewPageAsync(_browser, width: 390, javaScript);

    [Fact]
    public async Task A_parents_report_sent_through_the_form_reaches_the_force_view_where_the_call_handler_accepts_it()
    {
        var parent = await NewPageAsync();
        await FormFlow.FillParentReportAsync(parent, BaseUrl);
        var reference = await FormFlow.ContinueAndSendAsync(parent);
        var violations = await Axe.SeriousViolationsAsync(parent); // the confirmation

        var handler = await NewPageAsync();
        await handler.GotoAsync($"{BaseUrl}/force");
        await handler.GetByLabel("Force API key").FillAsync(BrowserFixture.ForceKey);
        await handler.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await handler.GetByRole(AriaRole.Heading, new() { Name = "Referrals for West Mercia Police" }).WaitForAsync();
        await Eventually.TrueAsync(async () =>
        {
            await handler.ReloadAsync();
            return await handler.GetByRole(AriaRole.Link, new() { Name = reference }).CountAsync() == 1;
        }, TimeSpan.FromSeconds(60), $"{reference} in the force view. Host said:\n{_worker.Said()}");
        var opened = await handler.GotoAsync($"{BaseUrl}/force/referrals/{reference}");
        await handler.GetByRole(AriaRole.Button, new() { Name = "Accept this referral" }).ClickAsync();
        await handler.GetByText("The referral is recorded as accepted by your force.").WaitForAsync();

        Assert.Matches("^RI-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$", reference);
        Assert.Contains("0808 800 5000", await parent.Locator("[data-advice=nspcc-helpline]").InnerTextAsync());
        Assert.Empty(violations);
        Assert.Contains("no-store", opened!.Headers["cache-control"], StringComparison.Ordinal);
        Assert.DoesNotContain(reference, parent.Url, StringComparison.Ordinal); // nothing about the report in the address bar
    }

    [Fact]
    public async Task Signed_out_the_referral_pages_send_the_call_handler_to_sign_in()
    {
        var page = await NewPageAsync();

        await page.GotoAsync($"{BaseUrl}/force/referrals");

        Assert.StartsWith($"{BaseUrl}/force", page.Url, StringComparison.Ordinal);
        Assert.True(await page.GetByLabel("Force API key").IsVisibleAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Leave_this_site_takes_the_user_away_at_once_and_forgets_the_session(bool javaScript)
    {
        foreach (var path in new[] { "/", "/report", "/about", "/statistics" })
        {
            var page = await NewPageAsync(javaScript);
            await page.GotoAsync($"{BaseUrl}/report"); // the form sets the anti-forgery cookie
            var shown = await page.GotoAsync($"{BaseUrl}{path}");
            Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "ri-antiforgery");
            Assert.Contains("no-store", shown!.Headers["cache-control"], StringComparison.Ordinal); // every page's headers, from the worker's middleware
            if (javaScript)
            {
                Assert.Empty(await Axe.SeriousViolationsAsync(page)); // axe runs as script in the page
            }

            await page.GetByRole(AriaRole.Button, new() { Name = "Leave this site" }).ClickAsync();

            await page.WaitForURLAsync($"{BrowserFixture.ExitUrl}**", new() { Timeout = 10_000, WaitUntil = WaitUntilState.Commit });
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "ri-antiforgery");
        }
    }
}
