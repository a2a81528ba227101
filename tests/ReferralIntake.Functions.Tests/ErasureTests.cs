using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// Erasure on request sticks: a late retry cannot bring the report back, no queued or poisoned message
/// and no triage already under way writes it again, and the erasure itself is recorded (who, when,
/// which reference; never content) where retention does not remove it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ErasureTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string AdminKey = "erasure-admin-key";
    private ForceServer _force = null!;

    public async Task InitializeAsync() => _force = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _force.DisposeAsync();

    private TestApp App(bool listener = true) => new(azurite, new()
    {
        [TestApp.QueueTriggersOff] = listener ? "false" : "true",
        ["Destinations:default:Url"] = _force.Url.ToString(),
        ["Destinations:default:Secret"] = ForceServer.Secret,
        ["Admin:KeySha256"] = Partners.HashKey(AdminKey),
    });

    private static async Task<HttpStatusCode> EraseAsync(TestApp app, string reference)
    {
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        using var response = await admin.DeleteAsync($"/api/admin/referrals/{reference}");
        return response.StatusCode;
    }

    private static async Task<List<string>> BlobsMentioningAsync(TestApp app, string reference)
    {
        var names = new List<string>();
        await foreach (var blob in app.Container.GetBlobsAsync(new GetBlobsOptions()))
        {
            if (blob.Name.Contains(reference, StringComparison.Ordinal) && !blob.Name.StartsWith("erasures/", StringComparison.Ordinal))
            {
                names.Add(blob.Name);
            }
        }

        return names;
    }

    [Fact]
    public async Task A_same_key_retry_after_erasure_answers_410_and_stores_and_sends_nothing()
    {
        using var app = App();
        var first = await app.SubmitAcceptedAsync(Samples.WestMerciaP2, idempotencyKey: "late-retry-1");
        await app.StatusWhenAsync(first.Reference, "delivered");
        var sent = _force.Received.Count;

        Assert.Equal(HttpStatusCode.NoContent, await EraseAsync(app, first.Reference));
        using var retry = await app.SubmitAsync(Samples.WestMerciaP2, idempotencyKey: "late-retry-1");

        Assert.Equal(HttpStatusCode.Gone, retry.StatusCode);
        Assert.Contains("/api/problems/erased", await retry.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("canary-7f3a", await retry.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await BlobsMentioningAsync(app, first.Reference));
        Assert.Equal(0, await app.QueueLengthAsync(app.Queue));
        Assert.Equal(sent, _force.Received.Count);
    }

    [Fact]
    public async Task Erasure_takes_a_referral_out_of_the_link_index_too()
    {
        using var app = App();
        var accepted = await app.SubmitAcceptedAsync(Samples.Naming("@erasure_test_user"));
        await app.StatusWhenAsync(accepted.Reference, "delivered");
        Assert.Contains(await BlobsMentioningAsync(app, accepted.Reference), name => name.StartsWith(Links.LinkIndex.Prefix, StringComparison.Ordinal)); // indexed

        Assert.Equal(HttpStatusCode.NoContent, await EraseAsync(app, accepted.Reference));

        Assert.Empty(await BlobsMentioningAsync(app, accepted.Reference)); // the report, its state, its copies and its link entries
    }

    [Fact]
    public async Task A_queued_referral_erased_before_triage_is_dropped_not_poisoned_and_nothing_comes_back()
    {
        using var app = App(listener: false); // triage runs when the test says, in process
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.PoisonQueue.SendMessageAsync(reference); // and a copy already in poison, from an earlier fault
        await app.PoisonQueue.SendMessageAsync("RI-ZZZZ-ZZZZ-ZZZZ"); // someone else's, which stays

        Assert.Equal(HttpStatusCode.NoContent, await EraseAsync(app, reference));
        Assert.Equal(["RI-ZZZZ-ZZZZ-ZZZZ"], (await app.PoisonQueue.PeekMessagesAsync(32)).Value.Select(m => m.Body.ToString()));
        foreach (var tryNumber in new[] { 1, 5 }) // the queued message taken, on its first try or its last
        {
            await app.TriageByHandAsync(reference, tryNumber); // completes: done with, not tried again, never poison
        }

        Assert.Contains(app.Logs, l => l.Contains($"{reference} was erased", StringComparison.Ordinal));
        Assert.Empty(await BlobsMentioningAsync(app, reference));
        Assert.DoesNotContain(_force.Received, r => r.Reference == reference);
    }

    [Fact]
    public async Task Triage_already_under_way_when_the_referral_is_erased_cannot_write_it_again()
    {
        using var app = App(listener: false);
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        var store = app.Services.GetRequiredService<ReferralStateStore>();
        var work = (await store.LoadWorkAsync(reference, CancellationToken.None))!; // triage has read it...

        Assert.Equal(HttpStatusCode.NoContent, await EraseAsync(app, reference)); // ...then it is erased

        await Assert.ThrowsAsync<ReferralErasedException>(() => store.SaveAsync(work, s => s with { Status = ReferralStatus.Triaged }, CancellationToken.None));
        await Assert.ThrowsAsync<ReferralErasedException>(() => store.AppendAuditAsync(reference, new AuditEntry(DateTimeOffset.UtcNow, "triaged"), CancellationToken.None));
        Assert.Empty(await BlobsMentioningAsync(app, reference));
    }

    [Fact]
    public async Task The_erasure_is_recorded_with_who_and_when_but_no_content_and_retention_keeps_the_record()
    {
        using var app = App();
        var reference = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await app.StatusWhenAsync(reference, "delivered");

        Assert.Equal(HttpStatusCode.NoContent, await EraseAsync(app, reference));
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        await admin.PostAsync("/api/admin/retention/sweep", null);
        var record = (await app.Container.GetBlobClient($"erasures/{reference}.json").DownloadContentAsync()).Value.Content.ToString();
        using var again = await admin.DeleteAsync($"/api/admin/referrals/{reference}");

        Assert.Contains(reference, record, StringComparison.Ordinal);
        Assert.Contains("\"erasedBy\":\"admin-key (local development)\"", record, StringComparison.Ordinal);
        Assert.Contains("\"erasedAt\"", record, StringComparison.Ordinal);
        foreach (var content in new[] { "canary-7f3a", "Ellie", "B45", "sam@example.com" })
        {
            Assert.DoesNotContain(content, record, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode); // nothing left to erase
    }
}
