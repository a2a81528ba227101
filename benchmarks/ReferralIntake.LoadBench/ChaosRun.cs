using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>
/// The zero-loss chaos run, loopback only and bounded in count and time: submit referrals while the
/// app is SIGKILLed and restarted again and again, Azurite is restarted on the same data folder, the
/// force endpoint fails a share of requests, and in the middle of the run it is down altogether for
/// some minutes (an outage); one destination (Police Scotland) is unreachable throughout. Then account
/// for every reference that got a 202: delivered, or (Police Scotland) still being tried on schedule.
/// </summary>
public static class ChaosRun
{
    private const double ForceFailureShare = 0.2;

    public static async Task<int> RunAsync(Options options)
    {
        var started = DateTime.UtcNow;
        var deadline = started + TimeSpan.FromMinutes(options.Minutes);
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        var random = new Random(20261122);
        var accepted = new ConcurrentDictionary<string, int>(); // idempotency key and its 2xx count at the force
        var outageStart = started + TimeSpan.FromMinutes(options.OutageAtMinutes);
        var outageEnd = outageStart + TimeSpan.FromMinutes(options.OutageMinutes);
        var outageAnswers = 0;
        var pingsAnswered = 0;
        await using var force = await ForceServer.StartAsync();
        force.Fallback = context =>
        {
            if (DateTime.UtcNow >= outageStart && DateTime.UtcNow < outageEnd)
            {
                Interlocked.Increment(ref outageAnswers);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable; // the force is down
                return Task.CompletedTask;
            }

            if (Random.Shared.NextDouble() < ForceFailureShare)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return Task.CompletedTask;
            }

            var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
            if (idempotencyKey.StartsWith("ping:", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref pingsAnswered); // the destination's probe: no referral in it
            }
            else
            {
                accepted.AddOrUpdate(idempotencyKey, 1, (_, n) => n + 1);
            }

            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return Task.CompletedTask;
        };

        var names = Bench.Names("chaos");
        var port = AzuriteFixture.FreePort();
        var settings = Bench.AppSettings(azurite, names, queueTriggers: true, force.Url);
        settings["Destinations:police-scotland:Url"] = $"http://127.0.0.1:{AzuriteFixture.FreePort()}/nothing-listens";
        settings["Destinations:police-scotland:Secret"] = "unused";
        settings["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:01"; // a failed message is tried again a second later
        var lease = TimeSpan.FromSeconds(5); // a killed instance's leases run out soon after
        settings["Delivery:MaxRetries"] = "2";
        settings["Delivery:RetryBaseDelaySeconds"] = "0.2";
        settings["Delivery:PerAttemptTimeoutSeconds"] = "2";
        settings["Delivery:BreakerMinimumThroughput"] = "100000";

        var app = await WorkerUnderLocalHost.StartAsync(settings, lease, port);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        var references = new ConcurrentDictionary<string, ConcurrentBag<string>>(); // submission key -> references answered
        var scottish = new ConcurrentDictionary<string, bool>();
        int appKills = 0, azuriteRestarts = 0, retriesBySubmitter = 0, notAccepted = 0;

        using var stopChaos = new CancellationTokenSource();
        var chaos = Task.Run(async () =>
        {
            var cycle = 0;
            while (!stopChaos.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2 + random.NextDouble() * 3), stopChaos.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                app.Kill(); // SIGKILL to the instance (host and worker), mid-batch
                app.Dispose();
                appKills++;
                if (++cycle % 4 == 0)
                {
                    await azurite.StopGracefullyAsync();
                    await azurite.StartAsync(); // same ports, same data folder
                    azuriteRestarts++;
                }

                var restarting = DateTime.UtcNow;
                app = await WorkerUnderLocalHost.StartAsync(settings, lease, port, TimeSpan.FromMinutes(2));
                if (appKills % 10 == 0)
                {
                    // Progress, so a slow run shows where its time goes.
                    Console.WriteLine(FormattableString.Invariant(
                        $"{DateTime.UtcNow:HH:mm:ss} kills {appKills}, Azurite restarts {azuriteRestarts}, accepted {references.Count}, submitter retries {retriesBySubmitter}; last restart took {(DateTime.UtcNow - restarting).TotalSeconds:0.0} s"));
                }
            }
        });

        var submitter = Bench.MeasureAsync(options.Referrals, 16, async i =>
        {
            var key = $"chaos-{i}";
            var inScotland = i % 20 == 0;
            scottish[key] = inScotland;
            var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Bench.ReportBody).Replace("B45 8AB", inScotland ? "EH1 1AA" : "B45 8AB", StringComparison.Ordinal));
            for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
            {
                try
                {
                    if (await Bench.SubmitAsync(http, body, key, readReference: true) is (true, { } reference))
                    {
                        references.GetOrAdd(key, _ => []).Add(reference);
                        return true;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
                {
                    // the app was killed under us: retry with the same key
                }

                Interlocked.Increment(ref retriesBySubmitter);
                await Task.Delay(200);
            }

            Interlocked.Increment(ref notAccepted);
            return false;
        });
        await submitter;
        await stopChaos.CancelAsync();
        await chaos;
        var submitted = DateTime.UtcNow;

        // Every accepted reference must reach delivered, or (Police Scotland) be retrying on schedule; wait for that, bounded.
        var container = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, names);
        var acceptedReferences = references.SelectMany(p => p.Value.Distinct().Select(r => (Key: p.Key, Reference: r))).ToList();
        Dictionary<string, ReferralState?> states;
        do // at least once, even when submitting used up the run's time
        {
            states = (await Task.WhenAll(acceptedReferences.Select(async a => (a.Reference, State: await ReadStateAsync(container, a.Reference)))))
                .ToDictionary(x => x.Reference, x => x.State);
            if (acceptedReferences.All(a => Settled(states[a.Reference], scottish[a.Key])))
            {
                break;
            }

            await Task.Delay(2000);
        }
        while (DateTime.UtcNow < deadline);

        var poison = new HashSet<string>();
        foreach (var queue in new[] { $"{names}-poison", $"{names}-urgent-poison", $"{names}-deliveries-poison" })
        {
            poison.UnionWith(await PoisonReferencesAsync(azurite, queue));
        }

        var waiting = await new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, names).GetPropertiesAsync();
        var stuck = acceptedReferences.Where(a => !Settled(states[a.Reference], scottish[a.Key]))
            .GroupBy(a => states[a.Reference]?.Status.Wire() ?? "no state or report").Select(g => $"{g.Key}: {g.Count()}");
        var delivered = states.Count(s => s.Value?.Status == ReferralStatus.Delivered);
        var retryingAsExpected = acceptedReferences.Count(a => scottish[a.Key] && Settled(states[a.Reference], true) && states[a.Reference]?.Status != ReferralStatus.Delivered);
        var failedUnexpectedly = acceptedReferences.Count(a => states[a.Reference]?.Status is ReferralStatus.Failed or ReferralStatus.Undeliverable);
        var lost = acceptedReferences.Count(a => !Settled(states[a.Reference], scottish[a.Key]));
        var keysWithTwoReferrals = references.Count(p => p.Value.Distinct().Count() > 1);
        var deliveredKeys = acceptedReferences.Where(a => states[a.Reference]?.Status == ReferralStatus.Delivered)
            .Select(a => $"{a.Reference}:police-force:west-mercia").ToHashSet();
        var phantom = accepted.Keys.Count(k => !deliveredKeys.Contains(k)); // the force acted on something we never accepted
        var notAtForce = deliveredKeys.Count(k => !accepted.ContainsKey(k));
        var duplicateEffects = keysWithTwoReferrals + phantom;

        var table = new StringBuilder();
        table.AppendLine(FormattableString.Invariant($"Chaos run, {started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores: {options.Referrals} referrals, 16 concurrent submitters, force failing {ForceFailureShare:P0} of requests and down altogether for {options.OutageMinutes:0.#} minutes from minute {options.OutageAtMinutes:0.#}, Police Scotland unreachable.\n"));
        table.AppendLine("| measure | count |");
        table.AppendLine("| --- | ---: |");
        table.AppendLine(FormattableString.Invariant($"| submitted | {options.Referrals} |"));
        table.AppendLine(FormattableString.Invariant($"| accepted (202) | {acceptedReferences.Select(a => a.Key).Distinct().Count()} |"));
        table.AppendLine(FormattableString.Invariant($"| not accepted by the deadline (the client would retry) | {notAccepted} |"));
        table.AppendLine(FormattableString.Invariant($"| delivered | {delivered} |"));
        table.AppendLine(FormattableString.Invariant($"| still being tried on schedule, as expected (Police Scotland unreachable) | {retryingAsExpected} |"));
        table.AppendLine(FormattableString.Invariant($"| **failed** or undeliverable | **{failedUnexpectedly}** |"));
        table.AppendLine(FormattableString.Invariant($"| in a poison queue | {poison.Count} |"));
        table.AppendLine(FormattableString.Invariant($"| force answers 503 during the outage (attempts and the destination's probes) | {outageAnswers} |"));
        table.AppendLine(FormattableString.Invariant($"| probes (pings) the force answered 2xx | {pingsAnswered} |"));
        table.AppendLine(FormattableString.Invariant($"| **lost** (accepted, neither delivered nor being tried) | **{lost}** |"));
        table.AppendLine(FormattableString.Invariant($"| **duplicate effects** (one submission, two referrals; or the force acting on an unknown key) | **{duplicateEffects}** ({keysWithTwoReferrals}; {phantom}) |"));
        table.AppendLine(FormattableString.Invariant($"| delivered but never acknowledged by the force | {notAtForce} |"));
        table.AppendLine(FormattableString.Invariant($"| repeat deliveries absorbed by the idempotency key (force answered 2xx again for a key) | {accepted.Values.Sum(n => n - 1)} |"));
        table.AppendLine(FormattableString.Invariant($"| not yet settled at the deadline, by status; messages still queued | {string.Join(", ", stuck)}; {waiting.Value.ApproximateMessagesCount} |"));
        table.AppendLine(FormattableString.Invariant($"| app SIGKILLs / Azurite restarts / submitter retries | {appKills} / {azuriteRestarts} / {retriesBySubmitter} |"));
        table.AppendLine(FormattableString.Invariant($"| time: submitting / settling | {(submitted - started).TotalSeconds:0} s / {(DateTime.UtcNow - submitted).TotalSeconds:0} s |"));
        Console.WriteLine(table);
        foreach (var key in references.Where(p => p.Value.Distinct().Count() > 1).Take(5))
        {
            Console.WriteLine($"two referrals for one submission: {key.Key} -> {string.Join(", ", key.Value.Distinct())}");
        }

        foreach (var (key, reference) in acceptedReferences.Where(a => !Settled(states[a.Reference], scottish[a.Key])).Take(5))
        {
            // Not settled: where each route is, and the last lines of its trail (events only, never content).
            var state = states[reference];
            var routes = state?.Deliveries?.Select(d => $"{d.Key}={d.Value.State.Wire()} attempts {d.Value.Attempts} next {d.Value.NextAttemptAt:O} waiting {d.Value.WaitingFor ?? "-"} claimed {d.Value.ClaimedUntil:O}");
            var trail = state?.Audit?.TakeLast(6).Select(e => $"{e.At:HH:mm:ss} {e.Event} {e.Destination} {e.Outcome} {e.StatusCode}");
            Console.WriteLine($"not settled: {reference} ({key}): {state?.Status.Wire() ?? "no state"}; {string.Join("; ", routes ?? [])}\n  {string.Join("\n  ", trail ?? [])}");
        }

        foreach (var key in accepted.Keys.Where(k => !deliveredKeys.Contains(k)).Take(5))
        {
            var reference = key.Split(':')[0];
            Console.WriteLine($"at the force but not delivered in storage: {key} (status {(states.TryGetValue(reference, out var state) ? state?.Status.Wire() ?? "no state" : "not accepted by the client")})");
        }

        app.Dispose();
        await azurite.DisposeAsync();
        return lost == 0 && duplicateEffects == 0 && failedUnexpectedly == 0 && notAtForce == 0 && poison.Count == 0 ? 0 : 1;
    }

    /// <summary>Delivered; or, for Police Scotland (unreachable throughout), its police route still being tried on schedule.</summary>
    private static bool Settled(ReferralState? state, bool inScotland) =>
        state?.Status == ReferralStatus.Delivered
        || (inScotland && state?.Deliveries?.GetValueOrDefault("police-force:police-scotland") is { State: RouteState.Retrying or RouteState.Pending });

    private static async Task<ReferralState?> ReadStateAsync(Azure.Storage.Blobs.BlobContainerClient container, string reference)
    {
        try
        {
            var content = (await container.GetBlobClient($"{reference}/state.json").DownloadContentAsync()).Value.Content;
            return content.ToObjectFromJson<ReferralState>(ContractMapping.Json);
        }
        catch (Azure.RequestFailedException)
        {
            return null;
        }
    }

    private static async Task<HashSet<string>> PoisonReferencesAsync(AzuriteFixture azurite, string queueName)
    {
        var poison = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, queueName,
            new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
        var found = new HashSet<string>();
        while (true)
        {
            var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value; // held invisible, so each is seen once
            if (batch.Length == 0)
            {
                return found;
            }

            foreach (var m in batch)
            {
                found.Add(m.Body.ToString());
            }
        }
    }
}
