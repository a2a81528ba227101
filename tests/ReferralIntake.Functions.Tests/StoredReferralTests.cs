using System.Text;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>What storage keeps: the domain's own decision, the report as accepted, and an audit trail that never loses its first lines.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StoredReferralTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_state_keeps_the_domain_decision_with_typed_route_kinds()
    {
        using var app = new TestApp(azurite);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");

        var stored = (await app.Container.GetBlobClient(ReferralStateStore.StatePath(accepted.Reference)).DownloadContentAsync()).Value.Content;
        var state = stored.ToObjectFromJson(AppJsonContext.Default.ReferralState)!;

        Assert.Equal(ReferralStatus.Delivered, state.Status);
        Assert.Equal(Priority.P2, state.Triage!.Priority);
        var police = Assert.Single(state.Triage.Routes, r => r.Kind == RouteKind.PoliceForce);
        Assert.Equal("west-mercia", police.Force!.Id);
        Assert.Contains("\"kind\":\"PoliceForce\"", stored.ToString(), StringComparison.Ordinal); // the enum, not the wire's string
    }

    [Fact]
    public async Task A_report_accepted_under_old_rules_is_triaged_as_kept_without_being_validated_again()
    {
        await using var force = await ForceServer.StartAsync();
        using var app = new TestApp(azurite, new()
        {
            [TestApp.QueueTriggersOff] = "true",
            ["Destinations:default:Url"] = force.Url.ToString(),
            ["Destinations:default:Secret"] = ForceServer.Secret,
        });
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        // A description of 3 characters fails today's rule (10 to 10,000); as if the rule was tightened after
        // this report was accepted, the stored report is rewritten with one.
        var blob = app.Container.GetBlobClient(ReportStore.ReportPath(accepted.Reference));
        var properties = (await blob.GetPropertiesAsync()).Value;
        var kept = (await blob.DownloadContentAsync()).Value.Content.ToObjectFromJson(AppJsonContext.Default.ConcernReport)!;
        var older = kept with { Concern = kept.Concern with { Description = "old" } };
        await blob.UploadAsync(BinaryData.FromObjectAsJson(older, AppJsonContext.Default.ConcernReport), new Azure.Storage.Blobs.Models.BlobUploadOptions { Metadata = properties.Metadata });

        await app.TriageByHandAsync(accepted.Reference); // completes: done with, not to be tried again

        var status = await app.StatusWhenAsync(accepted.Reference, "delivered");
        Assert.Equal("P2", status.Triage!.Priority);
        Assert.Contains("\"description\":\"old\"", Encoding.UTF8.GetString(Assert.Single(force.Received).Body), StringComparison.Ordinal); // delivered as kept
    }

    [Fact]
    public async Task A_state_whose_trail_lacks_its_first_lines_shows_them_and_keeps_them_at_the_next_write()
    {
        using var app = new TestApp(azurite);
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");

        // A state.json with the decision but no trail (as the layout before the trail moved into it left one).
        var stateBlob = app.Container.GetBlobClient(ReferralStateStore.StatePath(accepted.Reference));
        var stored = (await stateBlob.DownloadContentAsync()).Value.Content.ToObjectFromJson(AppJsonContext.Default.ReferralState)!;
        await stateBlob.UploadAsync(BinaryData.FromObjectAsJson(stored with { Audit = null }, AppJsonContext.Default.ReferralState), overwrite: true);

        var read = (await app.StatusAsync(accepted.Reference))!;
        Assert.Equal(["received", "triaged"], read.Audit?.Select(a => a.Event));
        Assert.StartsWith("P2; routes: ", read.Audit![1].Detail ?? "", StringComparison.Ordinal);

        // The next write writes its first lines too, so they are kept, not only shown.
        var store = app.Services.GetRequiredService<ReferralStateStore>();
        await store.AppendAuditAsync(accepted.Reference, new AuditEntry(DateTimeOffset.UtcNow, "replayed"), CancellationToken.None);
        var kept = (await stateBlob.DownloadContentAsync()).Value.Content.ToObjectFromJson(AppJsonContext.Default.ReferralState)!;
        Assert.Equal(["received", "triaged", "replayed"], kept.Audit!.Select(a => a.Event));
    }
}
