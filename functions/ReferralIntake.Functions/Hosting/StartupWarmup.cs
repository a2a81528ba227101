using System.Text.Json;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Cold start matters for a serverless intake: while the host is still starting, this warms the intake
/// path on another thread (the validator, the triage policy and its postcode data, the JSON writers, the
/// storage clients and the container and queues they need), so the first parent to submit does not pay for it. Never blocks start-up and
/// never fails it: the first request simply does whatever is not done yet.
/// </summary>
public sealed class StartupWarmup(StorageClients storage, Partners partners, Domain.Triage.TriagePolicy policy) : IHostedService
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

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(WarmAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WarmAsync()
    {
        try
        {
            var report = ConcernReportReader.Read(Sample).Report!;
            _ = policy.Decide(report); // intake decides the lane: this loads the force directory (postcode data) now, not on the first report
            _ = JsonSerializer.SerializeToUtf8Bytes(report, AppJsonContext.Default.ConcernReport);
            _ = JsonSerializer.SerializeToUtf8Bytes(new AcceptedReferral("RI-0000-0000-0000", ReferralStatus.Received.Wire(), "/", ContractMapping.ToAdvice(report, Localisation.Catalogue.English)), AppJsonContext.Default.AcceptedReferral);
            _ = partners.Authenticate("warm-up", null);
            await storage.EnsureCreatedOnceAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Storage may not be up yet; the first request will try again.
        }
    }
}
