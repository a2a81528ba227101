using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs.Models;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Links;
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

    private TestApp App() => new(azurite, new()
    {
        ["Destinations:default:Url"] = _forces.Url.ToString(),
        ["Destinations:default:Secret"] = ForceServer.Secret,
        ["Admin:KeySha256"] = Partners.HashKey(AdminKey),
        ["Partners:links-sandbox:KeySha256"] = Partners.HashKey(SandboxKey),
        ["Partners:links-sandbox:Sandbox"] = "true",
    });

    /// <summary>A parent's report of a child in <paramref name="postcode"/>, naming <paramref name="username"/> (on <paramref name="platform"/>, if given).</summary>
    private static string Report(string postcode, string username, string? platform, string description) =>
        new JsonObject
        {
            ["reporter"] = new JsonObject { ["role"] = "parent" },
            ["child"] = new JsonObject { ["age"] = 12, ["postcode"] = postcode },
            ["concern"] = new JsonObject { ["description"] = $"He keeps asking her for photos ({description})", ["indicators"] = new JsonArray("imagesRequested") },
            ["suspect"] = platform is null
                ? new JsonObject { ["usernames"] = new JsonArray(username) }
                : new JsonObject { ["usernames"] = new JsonArray(username), ["platform"] = platform },
            // (a P2: images asked of a child under 13)
        }.ToJsonString();

    private async Task<JsonObject> DocumentOfAsync(TestApp app, string reference)
    {
        await app.StatusWhenAsync(reference, "delivered");
        var delivery = Assert.Single(_forces.Received, r => r.Reference == reference);
        return JsonNode.Parse(delivery.Body)!.AsObject();
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

        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        using var erasure = await admin.DeleteAsync($"/api/admin/referrals/{erased}");
        Assert.Equal(HttpStatusCode.NoContent, erasure.StatusCode);
        var later = (await app.SubmitAcceptedAsync(Report("WR1 2AA", "another_user", "tiktok", "later"))).Reference;
        Assert.Equal([kept], LinkedReferences(await DocumentOfAsync(app, later))); // the erased one is gone from the index

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
        await foreach (var entry in app.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = LinkIndex.Prefix }))
        {
            Assert.False(entry.Name.EndsWith(sandboxReference, StringComparison.Ordinal) || entry.Name.EndsWith(erased, StringComparison.Ordinal), entry.Name);
        }
    }
}
