using System.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>
/// Each benchmark runs the app and a raw baseline side by side, in the same run, against the same
/// Azurite, and prints a Markdown table (copied into docs/benchmarks.md).
/// </summary>
public static class Benchmarks
{
    public static async Task<int> AllAsync(Options options)
    {
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n");
        await IntakeAsync(options);
        await TriageAsync(options);
        await P1UnderBacklogAsync(options);
        await EndToEndBench.RunAsync(options);
        await WorkerStartupAsync(options);
        return 0;
    }

    /// <summary>Accepted referrals per second and latency, against (blob upload + queue send) done directly.</summary>
    public static Task<int> IntakeAsync(Options options) => WithAzuriteAsync(async azurite =>
    {
        var names = Bench.Names("intake");
        using var app = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: false));
        using var http = Bench.Client(app.Client.BaseAddress!);
        var (queue, container) = Bench.RawClients(azurite, Bench.Names("raw"));

        async Task<bool> Submit(int _) => (await Bench.SubmitAsync(http, Bench.ReportBody)).Accepted;

        async Task<bool> Raw(int i)
        {
            var name = $"raw-{Guid.NewGuid():N}";
            await container.UploadBlobAsync($"{name}/report.json", new BinaryData(Bench.ReportBody));
            await queue.SendMessageAsync(name);
            return true;
        }

        await Bench.MeasureAsync(200, 8, Submit); // warm-up, both paths
        await Bench.MeasureAsync(200, 8, Raw);

        Console.WriteLine("### Intake: accepted referrals per second (app) vs blob upload + queue send (raw)\n");
        Console.WriteLine("| concurrency | requests | app /s | app p50 ms | app p95 ms | app p99 ms | raw /s | raw p50 ms | raw p95 ms | raw p99 ms | ratio app/raw | app failures |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var concurrency in options.Concurrency)
        {
            var appRun = await Bench.MeasureAsync(options.Requests, concurrency, Submit);
            var rawRun = await Bench.MeasureAsync(options.Requests, concurrency, Raw);
            Console.WriteLine(FormattableString.Invariant(
                $"| {concurrency} | {options.Requests} | {appRun.PerSecond:0} | {appRun.Percentile(50):0.0} | {appRun.Percentile(95):0.0} | {appRun.Percentile(99):0.0} | {rawRun.PerSecond:0} | {rawRun.Percentile(50):0.0} | {rawRun.Percentile(95):0.0} | {rawRun.Percentile(99):0.0} | {appRun.PerSecond / rawRun.PerSecond:0.00} | {appRun.Failed} |"));
        }

        Console.WriteLine(FormattableString.Invariant($"\nPeak working set of the app under this load: {app.PeakWorkingSetBytes / 1024.0 / 1024.0:0} MiB\n"));

        // Azurite's own ceiling for one queue, for comparison with Azure's ~2,000 messages/s per queue target.
        var sends = await Bench.MeasureAsync(options.Requests * 2, 32, async _ => { await queue.SendMessageAsync("x"); return true; });
        Console.WriteLine(FormattableString.Invariant($"Azurite, queue sends alone at concurrency 32: {sends.PerSecond:0} messages/s (p50 {sends.Percentile(50):0.0} ms)\n"));
        return 0;
    });

    /// <summary>Messages triaged and delivered to a loopback force per second, against a raw receive-and-delete loop.</summary>
    public static Task<int> TriageAsync(Options options) => WithAzuriteAsync(async azurite =>
    {
        await using var force = await ForceServer.StartAsync();
        var names = Bench.Names("triage");
        using (var filler = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: false)))
        {
            using var http = Bench.Client(filler.Client.BaseAddress!);
            await Bench.MeasureAsync(options.Messages, 32, async _ => (await Bench.SubmitAsync(http, Bench.ReportBody)).Accepted);
        }

        var clock = Stopwatch.StartNew();
        using (var app = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: true, force.Url)))
        {
            var started = clock.Elapsed;
            // Where the time goes: each process's CPU over the run, against what the machine's cores could give.
            int[] pids = [app.ProcessId, app.HostProcessId, azurite.ProcessId ?? 0, Environment.ProcessId];
            var cpuBefore = pids.Select(Bench.CpuSeconds).ToArray();
            await Eventually.TrueAsync(() => Task.FromResult(force.DistinctDeliveries >= options.Messages), TimeSpan.FromMinutes(10), "every referral delivered");
            var wall = (clock.Elapsed - started).TotalSeconds;
            var cpu = pids.Select((pid, i) => Bench.CpuSeconds(pid) - cpuBefore[i]).ToArray();
            var appRate = options.Messages / wall;

            // Baseline: the same number of messages, received 16 at a time and deleted, as the listener does.
            var (queue, _) = Bench.RawClients(azurite, Bench.Names("rawq"));
            await Bench.MeasureAsync(options.Messages, 32, async _ => { await queue.SendMessageAsync("RI-0000-0000-0000"); return true; });
            var raw = Stopwatch.StartNew();
            var done = 0;
            while (done < options.Messages)
            {
                var batch = (await queue.ReceiveMessagesAsync(16)).Value;
                await Task.WhenAll(batch.Select(m => queue.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
                done += batch.Length;
            }

            var rawRate = options.Messages / raw.Elapsed.TotalSeconds;
            Console.WriteLine("### Triage: messages triaged and delivered per second (app) vs receive-and-delete (raw)\n");
            Console.WriteLine("| messages | app /s (triage + signed delivery to a loopback force) | raw /s (receive 16 + delete) | ratio app/raw | app peak working set |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
            Console.WriteLine(FormattableString.Invariant(
                $"| {options.Messages} | {appRate:0} | {rawRate:0} | {appRate / rawRate:0.00} | {app.PeakWorkingSetBytes / 1024.0 / 1024.0:0} MiB |\n"));
            var cores = Environment.ProcessorCount;
            Console.WriteLine(FormattableString.Invariant(
                $"CPU during the app's run ({wall:0.0} s of wall time; {cores} cores, so {wall * cores:0} core-seconds at most): worker {cpu[0]:0.0} s, local host {cpu[1]:0.0} s, Azurite {cpu[2]:0.0} s, this harness with its loopback force {cpu[3]:0.0} s; {cpu.Sum() / (wall * cores):P0} of the machine. Per referral: worker {cpu[0] * 1000 / options.Messages:0.0} ms, Azurite {cpu[2] * 1000 / options.Messages:0.0} ms.\n"));
        }

        return 0;
    });

    /// <summary>
    /// Triaged and delivered per second: <paramref name="messages"/> reports (each <paramref name="body"/> of its
    /// index) queued with the queue functions off, then the app started with them on, timed until a loopback
    /// force has every one.
    /// </summary>
    public static async Task<(double Rate, double PeakMiB)> TriageRateAsync(AzuriteFixture azurite, int messages, Func<int, byte[]> body)
    {
        await using var force = await ForceServer.StartAsync();
        var names = Bench.Names("triage");
        using (var filler = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: false)))
        {
            using var http = Bench.Client(filler.Client.BaseAddress!);
            await Bench.MeasureAsync(messages, 32, async i => (await Bench.SubmitAsync(http, body(i))).Accepted);
        }

        using var app = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: true, force.Url));
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => Task.FromResult(force.DistinctDeliveries >= messages), TimeSpan.FromMinutes(10), "every referral delivered");
        return (messages / clock.Elapsed.TotalSeconds, app.PeakWorkingSetBytes / 1024.0 / 1024.0);
    }

    /// <summary>
    /// A P1 under a backlog: thousands of referrals queued, then P1 reports submitted one a second, each
    /// timed from submission to the force's 2xx; beside each, a P2 submitted at the same moment (the
    /// referrals queue, behind the backlog) is the baseline.
    /// </summary>
    public static Task<int> P1UnderBacklogAsync(Options options) => WithAzuriteAsync(async azurite =>
    {
        var arrived = new ConcurrentDictionary<string, DateTime>(); // idempotency key -> when the force had it
        await using var force = await ForceServer.StartAsync();
        force.Fallback = context =>
        {
            arrived.TryAdd(context.Request.Headers["Idempotency-Key"].ToString(), DateTime.UtcNow);
            context.Response.StatusCode = 202;
            return Task.CompletedTask;
        };

        var names = Bench.Names("p1");
        using (var filler = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: false)))
        {
            using var http = Bench.Client(filler.Client.BaseAddress!);
            await Bench.MeasureAsync(options.Backlog, 32, async _ => (await Bench.SubmitAsync(http, Bench.ReportBody)).Accepted);
        }

        var p1Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Bench.ReportBody).Replace("\"imagesRequested\",\"secrecyRequested\"", "\"immediateDanger\"", StringComparison.Ordinal));
        var probes = new List<(string P1, string P2, DateTime At, int Queued)>();
        using (var app = await WorkerUnderLocalHost.StartAsync(Bench.AppSettings(azurite, names, queueTriggers: true, force.Url)))
        {
            using var http = Bench.Client(app.Client.BaseAddress!);
            var queue = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, names);
            for (var i = 0; i < options.Probes; i++)
            {
                var queued = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
                var at = DateTime.UtcNow;
                var p1 = Bench.SubmitAsync(http, p1Body, readReference: true);
                var p2 = Bench.SubmitAsync(http, Bench.ReportBody, readReference: true);
                probes.Add(((await p1).Reference!, (await p2).Reference!, at, queued));
                await Task.Delay(TimeSpan.FromSeconds(1)); // pacing the probes (a benchmark, not a test)
            }

            await Eventually.TrueAsync(() => Task.FromResult(probes.All(p => arrived.ContainsKey($"{p.P1}:police-force:west-mercia") && arrived.ContainsKey($"{p.P2}:police-force:west-mercia"))),
                TimeSpan.FromMinutes(10), "every probe at the force");
        }

        double Ms(string reference, DateTime at) => (arrived[$"{reference}:police-force:west-mercia"] - at).TotalMilliseconds;
        var p1Ms = probes.Select(p => Ms(p.P1, p.At)).Order().ToArray();
        var p2Ms = probes.Select(p => Ms(p.P2, p.At)).Order().ToArray();
        Console.WriteLine("### A P1 under a backlog: submission to the force's 2xx\n");
        Console.WriteLine(FormattableString.Invariant($"{options.Backlog} referrals queued before the first probe; {options.Probes} probes, one a second, each a P1 and a P2 submitted together (the backlog still queued at each probe: {string.Join(", ", probes.Select(p => p.Queued))}).\n"));
        Console.WriteLine("| lane | median ms | p90 ms | max ms |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        Console.WriteLine(FormattableString.Invariant($"| P1, urgent lane | {Median(p1Ms):0} | {Run.Percentile(p1Ms, 90):0} | {p1Ms[^1]:0} |"));
        Console.WriteLine(FormattableString.Invariant($"| P2 beside it, referrals queue (baseline: behind the backlog) | {Median(p2Ms):0} | {Run.Percentile(p2Ms, 90):0} | {p2Ms[^1]:0} |\n"));
        return 0;
    });

    private static double Median(double[] sorted) => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>
    /// The isolated worker's start-up, in one run: process start to the first 202, each worker started by the local
    /// Functions host (so the host's own start and the gRPC handshake are in both): the app as ./test.sh publishes it
    /// (artifacts/worker, ReadyToRun; a real report), a bare isolated-worker app that answers 202 (artifacts/bare-worker,
    /// ReadyToRun), and the bare ASP.NET Core app on the JIT as the floor the earlier tables used.
    /// </summary>
    public static Task<int> WorkerStartupAsync(Options options) => WithAzuriteAsync(async azurite =>
    {
        StartRow[] rows =
        [
            new(AppWorkerRow, Path.Combine(RepoPaths.Root, "artifacts", "worker", "ReferralIntake.Functions.dll"), App: true, UnderLocalHost: true),
            new(BareWorkerRow, Path.Combine(RepoPaths.Root, "artifacts", "bare-worker", "BareWorker.dll"), App: false, UnderLocalHost: true),
            new(BareJitRow, BareJitApp, App: false),
        ];
        foreach (var missing in rows.Select(r => r.Path).Append(LocalHost).Where(p => !File.Exists(p)))
        {
            Console.Error.WriteLine($"{missing} is missing: build and publish it first (docs/benchmarks.md, \"Start-up on the isolated worker\").");
            return 1;
        }

        var times = await TimeStartsAsync(azurite, rows, options.Runs);
        PrintStartupTable($"Start-up on the isolated worker: process start to first 202 ({options.Runs} runs each, interleaved)", "executable", times, baseline: BareWorkerRow);
        return 0;
    });

    private const string AppWorkerRow = "app, isolated worker (ReadyToRun) under the local host", BareWorkerRow = "bare isolated worker (ReadyToRun) under the local host";

    /// <summary>The local Functions host, built beside this benchmark.</summary>
    private static string LocalHost => Path.Combine(RepoPaths.Root, "tools", "LocalFunctionsHost", "bin",
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!, "net10.0", "LocalFunctionsHost.dll");

    /// <summary>The bare ASP.NET Core app on the JIT, built beside this benchmark (Release or Debug alike).</summary>
    private static string BareJitApp => Path.Combine(RepoPaths.Root, "benchmarks", "BareApp", "bin",
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd('/')))!, "net10.0", "BareApp.dll");

    /// <summary>An executable to start: the app (sent a real report, with these settings over the benchmark's own) or a bare app.</summary>
    private sealed record StartRow(string Name, string Path, bool App, Dictionary<string, string>? Settings = null, bool UnderLocalHost = false);

    private const string BareJitRow = "bare ASP.NET Core, JIT";

    /// <summary>Each row started in turn in each run, so all meet the same minute of the machine; its times to the first 202.</summary>
    private static async Task<Dictionary<string, List<double>>> TimeStartsAsync(AzuriteFixture azurite, StartRow[] rows, int runs)
    {
        var times = rows.ToDictionary(r => r.Name, _ => new List<double>());
        for (var run = 0; run < runs; run++)
        {
            foreach (var row in rows)
            {
                var settings = row.App ? Bench.AppSettings(azurite, Bench.Names("start"), queueTriggers: true) : [];
                foreach (var (key, value) in row.Settings ?? [])
                {
                    settings[key] = value;
                }

                times[row.Name].Add(await TimeToFirst202Async(row.Path, row.App ? "/api/referrals" : "/", settings, withReport: row.App, row.UnderLocalHost));
            }
        }

        return times;
    }

    /// <summary>One start-up table: each row's median and range, and its median against the bare JIT app's (insertion order kept).</summary>
    private static void PrintStartupTable(string title, string rowHeading, Dictionary<string, List<double>> times, string baseline = BareJitRow)
    {
        static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        var bareJit = Median(times[baseline]);
        Console.WriteLine($"### {title}\n");
        Console.WriteLine($"| {rowHeading} | median ms | min–max ms | against the {baseline} |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (name, ms) in times)
        {
            Console.WriteLine(FormattableString.Invariant($"| {name} | {Median(ms):0} | {ms.Min():0}–{ms.Max():0} | {Median(ms) / bareJit:0.00} |"));
        }

        Console.WriteLine();
    }

    /// <summary>Runs a benchmark against a fresh Azurite of its own, always stopped afterwards.</summary>
    internal static async Task<int> WithAzuriteAsync(Func<AzuriteFixture, Task<int>> run)
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            return await run(azurite);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    private static async Task<double> TimeToFirst202Async(string dll, string path, Dictionary<string, string> settings, bool withReport, bool underLocalHost)
    {
        var port = AzuriteFixture.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(underLocalHost ? LocalHost : dll);
        if (underLocalHost)
        {
            // The host serves the port; the worker picks its own.
            foreach (var arg in new[] { "--script-root", Path.GetDirectoryName(dll)!, "--port", port.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(arg);
            }
        }
        else
        {
            start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // Long enough for a first request the local host holds until its worker has loaded its functions.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                try
                {
                    using var content = new ByteArrayContent(withReport ? Bench.ReportBody : []);
                    content.Headers.ContentType = new("application/json");
                    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                    request.Headers.Add("X-Api-Key", Bench.PartnerKey);
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(5);
            }

            throw new TimeoutException($"{Path.GetFileName(dll)} gave no 202 within 60 s");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
