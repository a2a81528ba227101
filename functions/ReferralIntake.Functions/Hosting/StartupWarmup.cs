using System.Text.Json;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Cold start matters for a serverless intake. Started as soon as the app's services exist, this warms
/// the first report's path while the host starts: it asks storage for the container and queues at once
/// (a round trip the first report would otherwise wait for), builds the intake service and what it
/// holds (the stores, the resilience pipeline), and runs the validator, the triage policy and the JSON
/// writers once, on another core. So the first parent to submit does not pay for it. Never blocks
/// start-up and never fails it: the first request simply does whatever is not done yet. Measured in
/// docs/benchmarks.md ("Start-up").
/// </summary>
public sealed class StartupWarmup(StorageClients storage, IServiceProvider services, Partners partners, Domain.Triage.TriagePolicy policy)
{
    private static readonly byte[] Sample = """{"reporter":{"role":"parent"},"child":{"age":12,"postcode":"B15 2TT"},"concern":{"description":"Warm-up report, never stored.","indicators":["threats"]}}"""u8.ToArray();

    /// <summary>
    /// The first thing the process does: loads the postcode data (the force directory, which the webhook
    /// destinations and the intake's lane decision need) and the English catalogue on the thread pool,
    /// while the main thread builds the host. Without it the main thread loaded them itself.
    /// </summary>
    public static void LoadDataInBackground() => _ = Task.Run(() =>
    {
        _ = Domain.Forces.ForceDirectory.Default;
        _ = Localisation.Catalogue.English;
    });

    /// <summary>Starts warming on the thread pool and returns at once.</summary>
    public void Start()
    {
        _ = Task.Run(CreateStorageAsync); // first: its round trips run while the rest warms
        _ = Task.Run(Warm);
    }

    private async Task CreateStorageAsync()
    {
        try
        {
            await storage.EnsureCreatedOnceAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Storage may not be up yet; the first request will try again.
        }
    }

    private void Warm()
    {
        try
        {
            _ = services.GetRequiredService<IntakeService>();
            var report = ConcernReportReader.Read(Sample).Report!;
            _ = policy.Decide(report); // intake decides the lane: the force directory (postcode data) must be loaded
            _ = JsonSerializer.SerializeToUtf8Bytes(report, AppJsonContext.Default.ConcernReport);
            _ = JsonSerializer.SerializeToUtf8Bytes(new AcceptedReferral("RI-0000-0000-0000", ReferralStatus.Received.Wire(), "/", ContractMapping.ToAdvice(report, Localisation.Catalogue.English)), AppJsonContext.Default.AcceptedReferral);
            _ = partners.Authenticate("warm-up", null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever failed here, the first request does (and reports) itself.
        }
    }
}
