using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Links;
using ReferralIntake.Functions.Statistics;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// Linked reports (TRIAGE.md, "Linked reports"; API.md, "Linked referrals"): referrals naming one online account
/// are linked across forces, for the forces only, through a keyed index that holds no names.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LinkedReportsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string AdminKey = "links-admin-key", SandboxKey = "links-sandbox-key";
    private ForceServer _forces = null!;

    public async Task InitializeAsync() => _forces = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _forces.DisposeAsync();

    private const string PullSecret = "links-pull-secret", WestMerciaKey = "links-key-west-mercia", StaffordshireKey = "links-key-staffordshire";

    private TestApp App(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Destinations:default:Url"] = _forces.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            ["Admin:KeySha256"] = Partners.HashKey(AdminKey),
            ["Partners:links-sandbox:KeySha256"] = Partners.HashKey(SandboxKey),
            ["Partners:links-sandbox:Sandbox"] = "true",
        };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }

        return new TestApp(azurite, settings);
    }

    /// <summary>The link notice a later referral owes an earlier one's force, as the earlier referral's state keeps it.</summary>
    private static async Task<JsonNode?> NoticeOfAsync(TestApp app, string earlier, string later)
    {
        var state = JsonNode.Parse((await app.Container.GetBlobClient($"{earlier}/state.json").DownloadContentAsync()).Value.Content.ToString())!;
        return state["notices"]?[later];
    }

    private static async Task<string[]> NoticeTrailAsync(TestApp app, string earlier, string later)
    {
        var state = JsonNode.Parse((await app.Container.GetBlobClient($"{earlier}/state.json").DownloadContentAsync()).Value.Content.ToString())!;
        return [.. state["audit"]!.AsArray().Where(l => l!["destination"]?.GetValue<string>() == $"link-notice:{later}").Select(l => l!["event"]!.GetValue<string>())];
    }

    private static async Task<JsonObject?> ForceListAsync(TestApp app, string forceId, string key)
    {
        using var response = await app.GetWithKeyAsync($"/api/forces/{forceId}/referrals", key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static string[] ListedNotices(JsonObject? list) =>
        [.. list!["linkNotices"]!.AsArray().Select(n => $"{n!["reference"]!.GetValue<string>()}:link:{n["linkedReference"]!.GetValue<string>()}")];

    /// <summary>A parent's report of a child in <paramref name="postcode"/>, naming <paramref name="username"/> (on <paramref name="platform"/>, if given).</summary>
    private static string Report(string postcode, string username, string? platform, string description) =>
        Samples.Naming(username, platform, postcode, $"He keeps asking her for photos ({description})"); // a P2: images asked of a child under 13

    private async Task<JsonObject> DocumentOfAsync(TestApp app, string reference)
    {
        await app.StatusWhenAsync(reference, "delivered");
        var delivery = Assert.Single(_forces.Received, r => r.Reference == reference); // (link notices arrive apart: ForceServer.LinkNotices)
        return JsonNode.Parse(delivery.Body)!.AsObject();
    }

    /// <summary>The link notices posted to the forces once <paramref name="count"/> distinct ones have arrived: the last post of each pair, by its Idempotency-Key.</summary>
    private async Task<Dictionary<string, ReceivedDelivery>> NoticesWhenAsync(int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(_forces.LinkNotices.Select(n => n.IdempotencyKey).Distinct().Count() >= count),
            TimeSpan.FromSeconds(30), $"{count} link notices");
        return _forces.LinkNotices.GroupBy(n => n.IdempotencyKey).ToDictionary(g => g.Key, g => g.Last());
    }

    private static string[] LinkedReferences(JsonObject document) =>
        document["links"] is JsonArray links ? [.. links.SelectMany(l => l!["referrals"]!.AsArray()).Select(r => r!["reference"]!.GetValue<string>())] : [];

    [Fact]
    public async Task Three_referrals_naming_one_Snapchat_account_three_ways_in_three_forces_are_linked_for_the_forces_and_nobody_else()
    {
        using var app = App();
        var birmingham = (await app.SubmitAcceptedAsync(Report("B1 1AA", "@Example_User", "Snapchat", "Birmingham canary-b1"))).Reference;
        var first = await DocumentOfAsync(app, birmingham);
        var stafford = (await app.SubmitAcceptedAsync(Report("ST16 2AB", "example_user ", "snap", "Stafford canary-st16"))).Reference;
        var second = await DocumentOfAsync(app, stafford);
        var worcester = (await app.SubmitAcceptedAsync(Report("WR1 2AA", "https://www.snapchat.com/add/EXAMPLE_USER", null, "Worcester canary-wr1"))).Reference;
        var third = await DocumentOfAsync(app, worcester);
        var instagram = (await app.SubmitAcceptedAsync(Report("B1 1AA", "@Example_User", "Instagram", "Instagram canary-ig"))).Reference;
        var fourth = await DocumentOfAsync(app, instagram);
        var noPlatform = (await app.SubmitAcceptedAsync(Report("B1 1AA", "@Example_User", null, "No platform canary-np"))).Reference;
        var fifth = await DocumentOfAsync(app, noPlatform);

        Assert.Equal(["west-midlands", "staffordshire", "west-mercia"], new[] { first, second, third }.Select(d => d["route"]!["forceId"]!.GetValue<string>()));
        Assert.Equal("referral", third["kind"]!.GetValue<string>());
        Assert.Empty(LinkedReferences(first)); // the first had nothing to link to
        Assert.Equal([birmingham], LinkedReferences(second));
        Assert.Equal([birmingham, stafford], LinkedReferences(third));
        var link = Assert.Single(third["links"]!.AsArray())!;
        Assert.Equal("snapchat", link["platform"]!.GetValue<string>());
        Assert.Equal(["west-midlands", "staffordshire"], link["referrals"]!.AsArray().Select(r => r!["forceId"]!.GetValue<string>()));
        Assert.All(link["referrals"]!.AsArray(), r => Assert.Equal("P2", r!["priority"]!.GetValue<string>()));
        var linkText = link.ToJsonString();
        Assert.DoesNotContain("example_user", linkText, StringComparison.OrdinalIgnoreCase); // no username in a link
        Assert.DoesNotContain("canary", linkText, StringComparison.Ordinal);                // no text of theirs
        // The third referral naming the account: its force is asked to tell the regional unit, with the reason.
        Assert.False(second["route"]!["notifyRegionalUnit"]?.GetValue<bool>() ?? false); // two referrals: not yet
        Assert.True(third["route"]!["notifyRegionalUnit"]!.GetValue<bool>());
        Assert.EndsWith("The account is named in 3 referrals held by West Midlands Police, Staffordshire Police and West Mercia Police.",
            third["route"]!["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(LinkedReferences(fourth)); // the same handle on Instagram is another account
        Assert.Empty(LinkedReferences(fifth));  // a username with no platform is not linked

        // Each earlier referral's force is sent a signed link notice, once per pair, naming the later referral and the
        // others it links to: so each force's document or notices name the other two references and forces.
        var notices = await NoticesWhenAsync(3);
        Assert.Equal(new[] { $"{birmingham}:link:{stafford}", $"{birmingham}:link:{worcester}", $"{stafford}:link:{worcester}" }.Order(), notices.Keys.Order());
        var now = DateTimeOffset.UtcNow;
        foreach (var (key, notice) in notices)
        {
            Assert.True(WebhookSignature.Verify(ForceServer.Secret, notice.Timestamp, notice.IdempotencyKey, notice.Signature, notice.Body, now), key);
            var body = JsonNode.Parse(notice.Body)!.AsObject();
            Assert.Equal("link-notice", body["kind"]!.GetValue<string>());
            Assert.Equal(1, body["version"]!.GetValue<int>());
            Assert.Equal(key.Split(":link:")[0], body["reference"]!.GetValue<string>());
            Assert.Equal(key.Split(":link:")[0], notice.Reference);
            Assert.DoesNotContain("example_user", Encoding.UTF8.GetString(notice.Body), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("canary", Encoding.UTF8.GetString(notice.Body), StringComparison.Ordinal);
        }

        var toBirminghamFromWorcester = JsonNode.Parse(notices[$"{birmingham}:link:{worcester}"].Body)!.AsObject();
        Assert.Equal([worcester, stafford], LinkedReferences(toBirminghamFromWorcester));
        Assert.Equal(["west-mercia", "staffordshire"], toBirminghamFromWorcester["links"]![0]!["referrals"]!.AsArray().Select(r => r!["forceId"]!.GetValue<string>()));
        Assert.True(toBirminghamFromWorcester["notifyRegionalUnit"]!.GetValue<bool>()); // the third referral: every linked force is asked
        Assert.Equal("The account is named in 3 referrals held by West Mercia Police, Staffordshire Police and West Midlands Police.", toBirminghamFromWorcester["reason"]!.GetValue<string>());
        Assert.Equal([worcester, birmingham], LinkedReferences(JsonNode.Parse(notices[$"{stafford}:link:{worcester}"].Body)!.AsObject()));
        var toBirminghamFromStafford = JsonNode.Parse(notices[$"{birmingham}:link:{stafford}"].Body)!.AsObject();
        Assert.Equal([stafford], LinkedReferences(toBirminghamFromStafford));
        Assert.Null(toBirminghamFromStafford["notifyRegionalUnit"]); // two referrals: not yet
        var named = new Dictionary<string, string[]>
        {
            [birmingham] = [.. LinkedReferences(toBirminghamFromStafford), .. LinkedReferences(toBirminghamFromWorcester)],
            [stafford] = [.. LinkedReferences(second), .. LinkedReferences(JsonNode.Parse(notices[$"{stafford}:link:{worcester}"].Body)!.AsObject())],
            [worcester] = LinkedReferences(third),
        };
        foreach (var (reference, others) in named)
        {
            Assert.Equal(new[] { birmingham, stafford, worcester }.Where(r => r != reference).Order(), others.Distinct().Order());
        }

        Assert.DoesNotContain(_forces.LinkNotices, n => n.Reference == instagram || n.Reference == noPlatform || n.IdempotencyKey.EndsWith(instagram, StringComparison.Ordinal));

        // The partner's status never shows a link: no other referral's reference, no "links".
        foreach (var reference in new[] { birmingham, stafford, worcester, instagram, noPlatform })
        {
            using var status = await app.GetWithKeyAsync($"/api/referrals/{reference}", TestApp.PartnerAKey);
            var body = await status.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.DoesNotContain("\"links\"", body, StringComparison.Ordinal);
            Assert.DoesNotContain("\"notifyRegionalUnit\":true", body, StringComparison.Ordinal); // a link changes nothing the partner sees
            Assert.All(new[] { birmingham, stafford, worcester }.Where(r => r != reference), other => Assert.DoesNotContain(other, body, StringComparison.Ordinal));
        }

        // The public statistics count the account once in its region this month, suppressed; no reference, no name.
        await app.RefreshStatisticsByHandAsync();
        var aggregate = await app.Services.GetRequiredService<StatisticsJob>().ReadAsync(CancellationToken.None);
        Assert.Equal([new LinkedAccountsMonth(ReferralFacts.MonthOf(DateTimeOffset.UtcNow), "Regional Organised Crime Unit for the West Midlands Region (ROCUWM)", 1)],
            aggregate.LinkedAccounts);
        var page = await app.Client.GetStringAsync("/statistics");
        Assert.Contains("Online accounts named in more than one report", page, StringComparison.Ordinal);
        Assert.All(new[] { birmingham, stafford, worcester, "example_user" }, r => Assert.DoesNotContain(r, page, StringComparison.OrdinalIgnoreCase));

        // The index holds keyed hashes only: no username in a name or its metadata.
        await foreach (var entry in app.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = LinkIndex.Prefix, Traits = BlobTraits.Metadata }))
        {
            Assert.Matches("^links/[0-9a-f]{64}/RI-[0-9A-Z-]+$", entry.Name);
            Assert.DoesNotContain("example", string.Join(",", entry.Metadata.Values), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task An_erased_referral_is_linked_to_no_more_and_a_sandbox_referral_links_to_nothing_live()
    {
        using var app = App();
        var erased = (await app.SubmitAcceptedAsync(Report("B1 1AA", "@another_user", "TikTok", "to be erased"))).Reference;
        await app.StatusWhenAsync(erased, "delivered");
        var kept = (await app.SubmitAcceptedAsync(Report("ST16 2AB", "tiktok.com/@Another_User", null, "kept"))).Reference;
        Assert.Equal([erased], LinkedReferences(await DocumentOfAsync(app, kept)));
        Assert.Equal([$"{erased}:link:{kept}"], (await NoticesWhenAsync(1)).Keys); // its force told before the erasure

        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        using var erasure = await admin.DeleteAsync($"/api/admin/referrals/{erased}");
        Assert.Equal(HttpStatusCode.NoContent, erasure.StatusCode);
        var later = (await app.SubmitAcceptedAsync(Report("WR1 2AA", "another_user", "tiktok", "later"))).Reference;
        Assert.Equal([kept], LinkedReferences(await DocumentOfAsync(app, later))); // the erased one is gone from the index
        // ... and from the notices: the kept referral's force hears of the later one alone; the erased one's force hears nothing more.
        var notices = await NoticesWhenAsync(2);
        Assert.Equal(new[] { $"{erased}:link:{kept}", $"{kept}:link:{later}" }.Order(), notices.Keys.Order());
        Assert.Equal([later], LinkedReferences(JsonNode.Parse(notices[$"{kept}:link:{later}"].Body)!.AsObject()));

        // A sandbox referral naming the account: triaged, but neither linked nor indexed.
        using var sandbox = await app.SubmitAsync(Report("B1 1AA", "@another_user", "TikTok", "sandbox"), apiKey: SandboxKey);
        var sandboxReference = (await sandbox.Content.ReadFromJsonAsync<AcceptedReferral>())!.Reference;
        await Eventually.TrueAsync(async () =>
        {
            using var s = await app.GetWithKeyAsync($"/api/referrals/{sandboxReference}", SandboxKey);
            return (await s.Content.ReadAsStringAsync()).Contains("\"delivered\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the sandbox referral delivered to the sandbox");
        var last = (await app.SubmitAcceptedAsync(Report("B1 1AA", "@another_user", "TikTok", "last"))).Reference;
        Assert.Equal([kept, later], LinkedReferences(await DocumentOfAsync(app, last)));
        Assert.DoesNotContain(_forces.LinkNotices, n => n.IdempotencyKey.Contains(sandboxReference, StringComparison.Ordinal)); // nor tells a force of it
        await foreach (var entry in app.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = LinkIndex.Prefix }))
        {
            Assert.False(entry.Name.EndsWith(sandboxReference, StringComparison.Ordinal) || entry.Name.EndsWith(erased, StringComparison.Ordinal), entry.Name);
        }
    }

    [Fact]
    public async Task A_force_that_pulls_lists_its_link_notice_until_it_fetches_it_signed_and_a_notice_naming_an_erased_referral_is_withdrawn()
    {
        using var app = App(new()
        {
            ["Destinations:west-mercia:Pull"] = "true",
            ["Destinations:west-mercia:Secret"] = PullSecret,
            ["Forces:west-mercia:KeySha256"] = Partners.HashKey(WestMerciaKey),
            ["Forces:staffordshire:KeySha256"] = Partners.HashKey(StaffordshireKey),
        });
        var held = (await app.SubmitAcceptedAsync(Report("WR1 2AA", "@pulled_user", "Instagram", "held by a force that pulls"))).Reference;
        await app.StatusWhenAsync(held, "triaged");
        var later = (await app.SubmitAcceptedAsync(Report("ST16 2AB", "pulled_user", "Instagram", "later"))).Reference;
        await app.StatusWhenAsync(later, "delivered");

        var key = $"{held}:link:{later}";
        var listed = await Eventually.ValueAsync(() => ForceListAsync(app, "west-mercia", WestMerciaKey), l => ListedNotices(l).Length > 0, TimeSpan.FromSeconds(30), "the notice on West Mercia's list");
        Assert.Equal([key], ListedNotices(listed));
        Assert.Empty(ListedNotices(await ForceListAsync(app, "staffordshire", StaffordshireKey)));
        Assert.Empty(_forces.LinkNotices); // nothing posted to a force that pulls

        using (var notTheirs = await app.GetWithKeyAsync($"/api/forces/staffordshire/referrals/{held}/link-notices/{later}", StaffordshireKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, notTheirs.StatusCode);
        }

        using var fetched = await app.GetWithKeyAsync($"/api/forces/west-mercia/referrals/{held}/link-notices/{later}", WestMerciaKey);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        var body = await fetched.Content.ReadAsByteArrayAsync();
        Assert.Equal(key, fetched.Headers.GetValues(WebhookSignature.IdempotencyHeader).Single());
        Assert.True(WebhookSignature.Verify(PullSecret, fetched.Headers.GetValues(WebhookSignature.TimestampHeader).Single(), key,
            fetched.Headers.GetValues(WebhookSignature.SignatureHeader).Single(), body, DateTimeOffset.UtcNow));
        var notice = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(("link-notice", held), (notice["kind"]!.GetValue<string>(), notice["reference"]!.GetValue<string>()));
        Assert.Equal([later], LinkedReferences(notice));

        // Its first fetch delivered it: off the list, and so in the held referral's own trail.
        Assert.Empty(ListedNotices(await ForceListAsync(app, "west-mercia", WestMerciaKey)));
        Assert.Equal("delivered", (await NoticeOfAsync(app, held, later))!["delivery"]!["state"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal(["link-notice-created", "available-to-pull", "link-notice-delivered"], await NoticeTrailAsync(app, held, later));

        // A third referral's notice is listed; that referral is erased: off the list, and its notice is gone.
        var third = (await app.SubmitAcceptedAsync(Report("B1 1AA", "@Pulled_User", "Instagram", "third"))).Reference;
        await Eventually.ValueAsync(() => ForceListAsync(app, "west-mercia", WestMerciaKey), l => ListedNotices(l).Contains($"{held}:link:{third}"), TimeSpan.FromSeconds(30), "the third's notice listed");
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        using (var erasure = await admin.DeleteAsync($"/api/admin/referrals/{third}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, erasure.StatusCode);
        }

        Assert.Empty(ListedNotices(await ForceListAsync(app, "west-mercia", WestMerciaKey)));
        using (var gone = await app.GetWithKeyAsync($"/api/forces/west-mercia/referrals/{held}/link-notices/{third}", WestMerciaKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Null(await NoticeOfAsync(app, held, third)); // withdrawn from the held referral's state
        Assert.Contains("link-notice-withdrawn", await NoticeTrailAsync(app, held, third));
    }

    [Fact]
    public async Task A_link_notice_the_force_refuses_is_tried_again_on_the_hand_off_schedule_and_delivered_once_with_its_own_trail()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var ceop = await ForceServer.StartAsync();
        using var app = HandOffTests.App(azurite, clock, _forces, ceop, new() { ["Admin:KeySha256"] = Partners.HashKey(AdminKey) }); // West Mercia's webhook, one call per attempt
        var first = (await app.SubmitAcceptedAsync(Report("WR1 2AA", "@retry_user", "TikTok", "first"))).Reference;
        await app.StatusWhenAsync(first, "delivered");
        _forces.Then(ForceServer.Answer(202), ForceServer.Answer(500)); // the second referral's document, then the notice's first try
        var second = (await app.SubmitAcceptedAsync(Report("B45 8AB", "retry_user", "tiktok", "second"))).Reference;
        await app.StatusWhenAsync(second, "delivered");

        var retrying = await Eventually.ValueAsync(() => NoticeOfAsync(app, first, second),
            n => string.Equals(n["delivery"]?["state"]?.GetValue<string>(), "retrying", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(30), "the notice retrying");
        var nextAttemptAt = retrying["delivery"]!["nextAttemptAt"]!.GetValue<DateTimeOffset>();
        Assert.True(nextAttemptAt > clock.GetUtcNow());
        clock.Advance(nextAttemptAt - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await Eventually.ValueAsync(() => NoticeOfAsync(app, first, second),
            n => string.Equals(n["delivery"]?["state"]?.GetValue<string>(), "delivered", StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(30), "the notice delivered");

        Assert.Equal(2, _forces.LinkNotices.Count(n => n.IdempotencyKey == $"{first}:link:{second}")); // refused once, then taken
        Assert.Equal(["link-notice-created", "delivery-attempt", "retry-scheduled", "delivery-attempt", "link-notice-delivered"], await NoticeTrailAsync(app, first, second));
        using var status = await app.GetWithKeyAsync($"/api/referrals/{first}", TestApp.PartnerAKey);
        Assert.DoesNotContain(second, await status.Content.ReadAsStringAsync(), StringComparison.Ordinal); // the partner never learns of the link
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        var forOperator = (await admin.GetFromJsonAsync<ReferralStatusBody>($"/api/admin/referrals/{first}"))!;
        Assert.Equal(["link-notice-created", "delivery-attempt", "retry-scheduled", "delivery-attempt", "link-notice-delivered"],
            forOperator.Audit!.Where(a => a.Destination == $"link-notice:{second}").Select(a => a.Event)); // an operator does
    }
}
