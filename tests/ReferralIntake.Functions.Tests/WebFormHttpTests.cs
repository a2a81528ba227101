using System.Net;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>The web form's abuse protection, at the HTTP level (the journey itself is in the browser tests).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class WebFormHttpTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TestApp _app = new(azurite, new() { [TestApp.QueueTriggersOff] = "true", ["WebForm:PostsPerMinute"] = "5" });
    private readonly TestApp _flooded = new(azurite, new() { [TestApp.QueueTriggersOff] = "true", ["WebForm:PostsPerMinute"] = "5", ["WebForm:GlobalPostsPerMinute"] = "8" });

    public void Dispose()
    {
        _app.Dispose();
        _flooded.Dispose();
    }

    private static async Task<HttpStatusCode> PostFromAsync(TestApp app, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/report") { Content = Form(("reporter.role", "parent")) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await app.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static FormUrlEncodedContent Form(params (string, string)[] fields) => new(fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)));

    [Fact]
    public async Task A_post_without_the_anti_forgery_token_is_refused_but_keeps_what_was_typed()
    {
        using var response = await _app.Client.PostAsync("/report/send", Form(("reporter.role", "parent"), ("concern.description", "He keeps messaging her at night")));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("this page expired", html, StringComparison.Ordinal);
        Assert.Contains("He keeps messaging her at night", html, StringComparison.Ordinal); // their words are not lost
        Assert.Equal(0, await _app.ReferralFolderCountAsync());
    }

    [Fact]
    public async Task Pages_are_not_cached_and_carry_a_content_security_policy()
    {
        using var response = await _app.Client.GetAsync("/report");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Leaving_forgets_the_session_and_goes_to_the_exit_site_without_a_referrer()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _app.Client.BaseAddress };

        using var response = await client.GetAsync("/leave");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("https://www.bbc.co.uk/weather", response.Headers.Location?.ToString());
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("ri-antiforgery=;", cookie, StringComparison.Ordinal);
        Assert.Contains("expires=Thu, 01 Jan 1970", cookie, StringComparison.Ordinal);
        Assert.Equal("\"cookies\", \"storage\"", response.Headers.GetValues("Clear-Site-Data").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task An_oversized_or_non_form_post_gets_a_plain_page_and_nothing_is_kept()
    {
        using var huge = await _app.Client.PostAsync("/report", Form(("concern.description", new string('x', 200_000))));
        using var json = await _app.Client.PostAsync("/report", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("text/html", huge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await _app.ReferralFolderCountAsync());
    }

    [Fact]
    public async Task Too_many_posts_from_one_client_get_429_with_Retry_After()
    {
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var response = await _app.Client.PostAsync("/report", Form(("reporter.role", "parent")));
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            }
        }

        Assert.Equal(5, codes.Count(c => c == HttpStatusCode.BadRequest)); // no token: refused, but counted
        Assert.Equal(2, codes.Count(c => c == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Behind_the_Functions_host_each_forwarded_client_has_its_own_allowance()
    {
        async Task<HttpStatusCode> PostAs(string client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/report") { Content = Form(("reporter.role", "parent")) };
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await _app.Client.SendAsync(request);
            return response.StatusCode;
        }

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            first.Add(await PostAs("203.0.113.7"));
        }

        var second = await PostAs("198.51.100.23"); // another parent, through the same host on loopback

        Assert.Equal(HttpStatusCode.TooManyRequests, first[^1]);
        Assert.Equal(HttpStatusCode.BadRequest, second); // refused for its missing token, but not rate-limited
    }

    [Fact]
    public async Task A_client_cannot_get_a_fresh_allowance_by_writing_its_own_X_Forwarded_For()
    {
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            // The client makes up the left part; the platform's front end appends the address it really saw.
            codes.Add(await PostFromAsync(_app, $"10.{i}.{i}.{i}, 203.0.113.77"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]);
        Assert.Equal(5, codes.Count(c => c == HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_flood_from_many_clients_meets_the_global_limit()
    {
        var codes = new List<HttpStatusCode>();
        for (var i = 1; i <= 12; i++)
        {
            codes.Add(await PostFromAsync(_flooded, $"198.51.100.{i}")); // one post each, well within each client's own allowance
        }

        Assert.Equal(8, codes.Count(c => c == HttpStatusCode.BadRequest)); // refused for the missing token, but counted
        Assert.Equal(4, codes.Count(c => c == HttpStatusCode.TooManyRequests));
        using var page = await _flooded.Client.GetAsync("/report");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // reading the form is never limited
    }

    [Fact]
    public async Task The_assets_are_served_by_the_app_itself()
    {
        using var css = await _app.Client.GetAsync("/assets/govuk-frontend.min.css");
        using var js = await _app.Client.GetAsync("/assets/govuk-frontend.min.js");

        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Contains("initAll", await js.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
