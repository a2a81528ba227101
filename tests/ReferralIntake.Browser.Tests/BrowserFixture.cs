using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Browser.Tests;

/// <summary>One Azurite, one app on loopback and one headless Chromium for the browser tests.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ExitUrl = "https://www.bbc.co.uk/weather";
    public const string ForceId = "west-mercia";
    public const string ForceKey = "browser-test-force-key-west-mercia";
    private IPlaywright? _playwright;

    public AzuriteFixture Azurite { get; } = new();

    public TestApp App { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl => App.Client.BaseAddress!.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        // No force endpoints (so the local inbox takes every referral), and one force with a key for its view.
        // Every browser test posts from 127.0.0.1: the per-client form limits (tested over HTTP) would meet each other here.
        App = new TestApp(Azurite, new()
        {
            [$"Forces:{ForceId}:KeySha256"] = ReferralIntake.Functions.Intake.Partners.HashKey(ForceKey),
            ["WebForm:PostsPerMinute"] = "1000",
            ["WebForm:FeedbackPerMinute"] = "1000",
        });
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright);
    }

    /// <summary>Debian's Chromium, headless: as DESIGN.md says for this machine, no sandbox as root and no background calls to the internet.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    /// <summary>A fresh browser context (cookies and all) at a width; the quick exit's destination is answered locally.</summary>
    public Task<IPage> NewPageAsync(int width = 1280, bool javaScript = true) => NewPageAsync(Browser, width, javaScript);

    public static async Task<IPage> NewPageAsync(IBrowser browser, int width = 1280, bool javaScript = true)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = width < 600 ? 812 : 900 },
            JavaScriptEnabled = javaScript,
            IsMobile = width < 600,
        });
        await context.RouteAsync("https://www.bbc.co.uk/**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/html",
            Body = "<!DOCTYPE html><title>BBC Weather</title><h1>Weather</h1>",
        }));
        return await context.NewPageAsync();
    }

    /// <summary>A referral's stored state once it meets <paramref name="condition"/> (read from the container, as storage holds it).</summary>
    public Task<ReferralIntake.Functions.Storage.ReferralState> StateWhenAsync(string reference, Func<ReferralIntake.Functions.Storage.ReferralState, bool> condition, string description) =>
        Eventually.ValueAsync(async () =>
        {
            var blob = App.Container.GetBlobClient($"{reference}/state.json");
            return await blob.ExistsAsync()
                ? System.Text.Json.JsonSerializer.Deserialize((await blob.DownloadContentAsync()).Value.Content.ToString(), ReferralIntake.Functions.Serialization.AppJsonContext.Default.ReferralState)
                : null;
        }, condition, TimeSpan.FromSeconds(30), $"{reference} to be {description}");

    private Task? _statistics;

    /// <summary>Some referrals for the statistics page to count (once per run), then the job's aggregate of everything so far.</summary>
    public async Task RefreshStatisticsAsync()
    {
        await (_statistics ??= SeedAsync());
        await App.Services.GetRequiredService<ReferralIntake.Functions.Statistics.StatisticsJob>().RefreshAsync(CancellationToken.None);
        App.Services.GetRequiredService<ReferralIntake.Functions.Statistics.StatisticsCache>().Clear();

        async Task SeedAsync()
        {
            string[] reports = [.. Enumerable.Repeat(Samples.WestMerciaP2, 9), .. Enumerable.Repeat(Samples.WestMerciaP3, 6), .. Enumerable.Repeat(Samples.WestMerciaP1, 2), Samples.ChildImagesShared];
            var references = new List<string>();
            foreach (var report in reports)
            {
                references.Add((await App.SubmitAcceptedAsync(report)).Reference);
            }

            foreach (var reference in references)
            {
                await App.StatusWhenAsync(reference, "delivered");
            }
        }
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        App.Dispose();
        await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
