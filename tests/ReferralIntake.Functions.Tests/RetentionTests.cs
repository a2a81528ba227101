using Azure.Storage.Blobs.Models;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Retention with an injected clock, and erasure on request.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class RetentionTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string AdminKey = "retention-admin-key";
    private ForceServer _force = null!;

    public async Task InitializeAsync() => _force = await ForceServer.StartAsync();

    public async Task DisposeAsync() => await _force.DisposeAsync();

    [Fact]
    public async Task An_old_delivered_referral_is_removed_while_recent_or_undelivered_ones_are_kept_and_one_can_be_erased()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new TestApp(azurite, new()
        {
            [TestApp.QueueTriggersOff] = "true", // triage runs only when the test says, in process
            ["Destinations:default:Url"] = _force.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
            ["Retention:Days"] = "90",
            ["Admin:KeySha256"] = Partners.HashKey(AdminKey),
        }, services => services.AddSingleton<TimeProvider>(clock));
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        Task Triage(string reference) => app.TriageByHandAsync(reference);
        async Task<int> BlobsOf(string reference)
        {
            var count = 0;
            await foreach (var _ in app.Container.GetBlobsAsync(new GetBlobsOptions { Prefix = $"{reference}/" }))
            {
                count++;
            }

            return count;
        }

        var old = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        var recent = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        var undelivered = (await app.SubmitAcceptedAsync(Samples.WestMerciaP2)).Reference;
        await Triage(old);                       // delivered now
        clock.Advance(TimeSpan.FromDays(91));
        await Triage(recent);                    // delivered 91 days later
        Assert.Equal("delivered", (await app.StatusAsync(old))!.Status);

        var sweep = await (await admin.PostAsync("/api/admin/retention/sweep", null)).Content.ReadFromJsonAsync<SweepBody>();

        Assert.Equal(1, sweep!.Deleted);
        Assert.Equal(0, await BlobsOf(old));
        Assert.Null(await app.StatusAsync(old));
        Assert.Equal("delivered", (await app.StatusAsync(recent))!.Status);
        Assert.Equal("received", (await app.StatusAsync(undelivered))!.Status); // old, but not yet delivered: kept

        using var erase = await admin.DeleteAsync($"/api/admin/referrals/{undelivered}");
        using var again = await admin.DeleteAsync($"/api/admin/referrals/{undelivered}");
        Assert.Equal(HttpStatusCode.NoContent, erase.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(0, await BlobsOf(undelivered));
        Assert.True(await BlobsOf(recent) >= 3);
    }

    private sealed record SweepBody(int Checked, int Deleted);

    [Fact]
    public async Task Feedback_is_deleted_after_12_months_by_the_sweep_and_newer_feedback_is_kept()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero));
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true" },
            services => services.AddSingleton<TimeProvider>(clock));
        var feedback = app.Services.GetRequiredService<Feedback.FeedbackStore>();
        await feedback.SaveAsync(5, "January's", "en", CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(200));
        await feedback.SaveAsync(2, "August's", "cy", CancellationToken.None);

        clock.Advance(TimeSpan.FromDays(190)); // 13 months after the first, 6 after the second
        await app.SweepRetentionByHandAsync(); // the RetentionSweep timer's work

        Assert.Empty(await feedback.ReadMonthAsync(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), CancellationToken.None));
        Assert.Equal("August's", Assert.Single(await feedback.ReadMonthAsync(new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero), CancellationToken.None)).Comment);
    }
}
