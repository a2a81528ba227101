using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Feedback;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The public service beyond the form, over real HTTP against Azurite: Welsh through the API and to the force,
/// the statements in both languages, feedback kept apart and rate-limited, and the statistics counted by the
/// scheduled job from referrals really submitted.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PublicServiceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ForceServer _force = null!;

    public async Task InitializeAsync() => _force = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _force.DisposeAsync();

    [Fact]
    public async Task The_API_gives_advice_in_Welsh_for_Accept_Language_cy_and_the_force_is_told_the_report_was_made_in_Welsh()
    {
        using var app = new TestApp(azurite, new() { ["Destinations:west-mercia:Url"] = _force.Url.ToString(), ["Destinations:west-mercia:Secret"] = ForceServer.Secret });

        var welsh = await SubmitAsync(app, Samples.WestMerciaP2, "cy, en;q=0.5");
        var english = await SubmitAsync(app, Samples.WestMerciaP3, "fr, en-GB;q=0.8, cy;q=0.3");
        await app.StatusWhenAsync(welsh.Reference, "delivered");
        await app.StatusWhenAsync(english.Reference, "delivered");

        Assert.Equal("Os yw plentyn mewn perygl uniongyrchol, ffoniwch 999.", welsh.Advice[0].Text);
        Assert.Equal(["emergency", "non-emergency", "nspcc-helpline"], welsh.Advice.Select(a => a.Kind)); // the kinds are the contract's, in any language
        Assert.Equal("If a child is in immediate danger, call 999.", english.Advice[0].Text);
        Assert.Equal("cy", LanguageDelivered(welsh.Reference));
        Assert.Equal("en", LanguageDelivered(english.Reference));
    }

    /// <summary>TRIAGE.md, "Advice fitted to the harm": the 202 carries the blackmail advice right after the emergency
    /// line, in the answer's language, its steps in order in the one text; no blackmail ticked, no such advice.</summary>
    [Fact]
    public async Task The_API_gives_the_blackmail_advice_after_999_in_English_and_Welsh_when_a_child_is_threatened()
    {
        using var app = new TestApp(azurite, new() { ["Destinations:west-mercia:Url"] = _force.Url.ToString(), ["Destinations:west-mercia:Secret"] = ForceServer.Secret });
        var child = $$$"""
            {"reporter":{"role":"child"},"child":{"age":14,"postcode":"{{{Samples.Postcode}}}"},
             "concern":{"description":"He says he will send my pictures to everyone unless I pay him","indicators":["threats","moneyDemanded","imagesShared"]}}
            """;
        var parent = $$$"""
            {"reporter":{"role":"parent"},"child":{"age":15,"postcode":"{{{Samples.Postcode}}}"},
             "concern":{"description":"Someone is demanding money from my son online","indicators":["moneyDemanded"]}}
            """;

        var english = await SubmitAsync(app, child, "en");
        var welsh = await SubmitAsync(app, child, "cy");
        var adult = await SubmitAsync(app, parent, "en");
        var notBlackmail = await SubmitAsync(app, Samples.WestMerciaP2, "en");

        Assert.Equal(["emergency", "blackmail", "non-emergency", "childline", "report-remove"], english.Advice.Select(a => a.Kind));
        Assert.Equal(english.Advice.Select(a => a.Kind), welsh.Advice.Select(a => a.Kind));
        var steps = english.Advice[1].Text;
        Assert.StartsWith("This is not your fault. You are not in trouble for telling us.", steps, StringComparison.Ordinal);
        Assert.True(steps.IndexOf("Do not pay them", StringComparison.Ordinal) < steps.IndexOf("block them", StringComparison.Ordinal)
            && steps.IndexOf("block them", StringComparison.Ordinal) < steps.IndexOf("Do not delete anything", StringComparison.Ordinal)
            && steps.IndexOf("Do not delete anything", StringComparison.Ordinal) < steps.IndexOf("https://takeitdown.ncmec.org", StringComparison.Ordinal), steps);
        Assert.StartsWith("Nid eich bai chi yw hyn.", welsh.Advice[1].Text, StringComparison.Ordinal);
        Assert.Contains("Peidiwch â thalu", welsh.Advice[1].Text, StringComparison.Ordinal);
        Assert.Contains("https://takeitdown.ncmec.org", welsh.Advice[1].Text, StringComparison.Ordinal);

        Assert.Equal(["emergency", "blackmail", "non-emergency", "nspcc-helpline"], adult.Advice.Select(a => a.Kind));
        Assert.Contains("not the child's fault", adult.Advice[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("takeitdown", adult.Advice[1].Text, StringComparison.Ordinal); // no images shared
        Assert.DoesNotContain("blackmail", notBlackmail.Advice.Select(a => a.Kind));
    }

    private string LanguageDelivered(string reference)
    {
        var delivery = _force.Received.First(r => r.Reference == reference);
        using var document = JsonDocument.Parse(delivery.Body);
        return document.RootElement.GetProperty("language").GetString()!;
    }

    private static async Task<AcceptedReferral> SubmitAsync(TestApp app, string json, string acceptLanguage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Api-Key", TestApp.PartnerAKey);
        request.Headers.Add("Accept-Language", acceptLanguage);
        using var client = app.CreateClient();
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AcceptedReferral>())!;
    }

    [Theory]
    [InlineData("/accessibility", "en", "Accessibility statement", "WCAG) version 2.2")]
    [InlineData("/accessibility?lang=cy", "cy", "Datganiad hygyrchedd", "WCAG) fersiwn 2.2")]
    [InlineData("/privacy", "en", "Privacy notice", "Article 6(1)(e)")]
    [InlineData("/privacy?lang=cy", "cy", "Hysbysiad preifatrwydd", "Erthygl 6(1)(e)")]
    [InlineData("/cookies", "en", "Cookies", "ri-antiforgery")]
    [InlineData("/cookies?lang=cy", "cy", "Cwcis", "ri-antiforgery")]
    [InlineData("/leaving-quickly", "en", "How to leave this site quickly and cover your tracks", "private browsing")]
    [InlineData("/leaving-quickly?lang=cy", "cy", "Sut i adael y wefan hon yn gyflym a chuddio eich olion", "pori preifat")]
    public async Task Each_statement_is_served_in_its_language_with_the_switch_and_the_footer(string path, string lang, string title, string content)
    {
        using var app = new TestApp(azurite, new() { ["Retention:Days"] = "90" });

        using var response = await app.Client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"<html lang=\"{lang}\"", html, StringComparison.Ordinal);
        Assert.Contains($">{WebUtility.HtmlEncode(title).Replace("&#39;", "&#x27;", StringComparison.Ordinal)}</h1>", html, StringComparison.Ordinal);
        Assert.Contains(content, html, StringComparison.Ordinal);
        Assert.Contains(lang == "cy" ? "hreflang=\"en\"" : "hreflang=\"cy\"", html, StringComparison.Ordinal); // the switch to the other language
        foreach (var statement in new[] { "/accessibility", "/privacy", "/cookies" })
        {
            Assert.Contains($"href=\"{statement}{(lang == "cy" ? "?lang=cy" : "")}\"", html, StringComparison.Ordinal);
        }

        if (path.StartsWith("/privacy", StringComparison.Ordinal))
        {
            Assert.Contains(" 90 ", html, StringComparison.Ordinal); // the retention period is the setting's, not a copy of it
        }
    }

    [Fact]
    public async Task Feedback_is_kept_apart_from_referrals_in_its_language_and_a_client_is_rate_limited()
    {
        using var app = new TestApp(azurite, new() { ["WebForm:FeedbackPerMinute"] = "3", [TestApp.QueueTriggersOff] = "true" });
        using var client = app.CreateClient();

        using var missing = await PostFeedbackAsync(client, "/feedback", ("comment", "Quick to use"));
        using var sent = await PostFeedbackAsync(client, "/feedback?lang=cy", ("rating", "4"), ("comment", "Hawdd ei ddefnyddio"));
        using var more = await PostFeedbackAsync(client, "/feedback", ("rating", "5"));
        using var tooMany = await PostFeedbackAsync(client, "/feedback", ("rating", "5"));

        Assert.Contains("Select how you felt about the service", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Diolch am eich adborth", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, more.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMany.StatusCode);
        var entries = await app.Services.GetRequiredService<FeedbackStore>().ReadMonthAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal([(4, "Hawdd ei ddefnyddio", "cy"), (5, null, "en")], entries.OrderBy(e => e.Rating).Select(e => (e.Rating, e.Comment, e.Language)));
        Assert.Equal(0, await app.ReferralFolderCountAsync()); // nothing in the referrals' container
        Assert.DoesNotContain(app.Logs, l => l.Contains("Hawdd", StringComparison.Ordinal)); // a comment is never logged
    }

    /// <summary>A form post as a browser makes it: the page first (for the anti-forgery cookie and token), then the post.</summary>
    private static async Task<HttpResponseMessage> PostFeedbackAsync(HttpClient client, string path, params (string Name, string Value)[] fields) =>
        await FormPost.SendAsync(client, await client.GetStringAsync(path), path, fields);

    [Fact]
    public async Task Submitted_referrals_are_counted_by_force_and_month_by_the_job_and_small_numbers_are_suppressed()
    {
        const string SandboxKey = "stats-sandbox-key";
        using var app = new TestApp(azurite, new()
        {
            ["Partners:stats-sandbox:KeySha256"] = Partners.HashKey(SandboxKey),
            ["Partners:stats-sandbox:Sandbox"] = "true",
        });
        static string Report(string? postcode) =>
            """{"reporter":{"role":"parent"},"child":{"age":13""" + (postcode is null ? "" : $$""","postcode":"{{postcode}}" """) +
            """},"concern":{"description":"Someone keeps messaging my daughter at night","indicators":["giftsOffered"]}}""";
        var references = new List<string>();
        foreach (var postcode in Enumerable.Repeat<string?>(Samples.Postcode, 7).Concat(Enumerable.Repeat<string?>("ST16 2DH", 5)).Concat([null, null]))
        {
            references.Add((await app.SubmitAcceptedAsync(Report(postcode))).Reference);
        }

        using var sandbox = await app.SubmitAsync(Report(Samples.Postcode), apiKey: SandboxKey);
        Assert.Equal(HttpStatusCode.Accepted, sandbox.StatusCode);
        foreach (var reference in references)
        {
            await app.StatusWhenAsync(reference, "delivered");
        }

        using var before = await app.Client.GetAsync("/statistics");
        var run = await app.RefreshStatisticsByHandAsync(); // the StatisticsRefresh timer's work
        var page = await app.Client.GetStringAsync("/statistics");
        var csv = await app.Client.GetStringAsync("/statistics.csv");

        Assert.Contains("No reports have been counted yet", await before.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(references.Count, run.Referrals); // the sandbox's is not counted
        var month = ReferralFacts.MonthOf(DateTimeOffset.UtcNow);
        Assert.Equal(
            [$"{month},ceop,CEOP (National Crime Agency),<5", $"{month},staffordshire,Staffordshire Police,[c]", $"{month},west-mercia,West Mercia Police,7"],
            csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1));
        var aggregate = await app.Services.GetRequiredService<StatisticsJob>().ReadAsync(CancellationToken.None);
        var figures = Assert.Single(aggregate.Months);
        Assert.Equal((14, 14, 14), (figures.Referrals, figures.P3, figures.HandedOver)); // the sandbox referral is not counted
        Assert.NotNull(figures.MedianSecondsToForce);
        Assert.Contains(">14<", page, StringComparison.Ordinal);
        Assert.Contains("fewer than 5", page, StringComparison.Ordinal);
        Assert.All(references, r => Assert.DoesNotContain(r, page + csv, StringComparison.Ordinal));
    }
}
