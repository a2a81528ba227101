using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Azure.Storage.Queues.Models;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.LoadBench;

/// <summary>
/// End to end: a partner's submission until the force's 2xx for it, at idle (one referral at a time,
/// a second apart, so the listeners have backed off to their longest wait) and at a steady rate (open
/// loop: each submission leaves on its schedule, whatever the others are doing). Beside the app, in the
/// same run, the raw baseline any queue-based intake pays: blob upload + queue send, one receive loop
/// polling as the listener does (100 ms, doubling to the same maximum), the blob read, a POST to the same
/// loopback force and the delete.
/// </summary>
public static class EndToEndBench
{
    private const string Force = "west-mercia"; // Bench.ReportBody's postcode, B45 8AB

    public static Task<int> RunAsync(Options options) => Benchmarks.WithAzuriteAsync(async azurite =>
    {
        var arrivals = new ConcurrentDictionary<string, TaskCompletionSource<long>>(); // idempotency key -> the force's 2xx (Stopwatch ticks)
        TaskCompletionSource<long> Arrival(string key) => arrivals.GetOrAdd(key, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        await using var force = await ForceServer.StartAsync();
        force.Fallback = context =>
        {
            context.Response.StatusCode = 202;
            context.Response.OnCompleted(() =>
            {
                Arrival(context.Request.Headers["Idempotency-Key"].ToString()).TrySetResult(Stopwatch.GetTimestamp());
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        };

        var names = Bench.Names("e2e");
        var settings = Bench.AppSettings(azurite, names, queueTriggers: true, force.Url);
        var maxPolling = TimeSpan.Parse(settings["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"], System.Globalization.CultureInfo.InvariantCulture);
        var rows = new List<string>();
        using (var app = await WorkerUnderLocalHost.StartAsync(settings))
        {
            using var http = Bench.Client(app.Client.BaseAddress!);
            async Task<string> Submit(int _) => (await Bench.SubmitAsync(http, Bench.ReportBody, readReference: true)).Reference! + $":police-force:{Force}";
            await MeasureAsync(2, 1, TimeSpan.FromSeconds(1), Submit, Arrival); // warm-up
            var appCpu = new Cpu(app.ProcessId);
            var azuriteCpu = new Cpu(azurite.ProcessId!.Value);
            rows.Add(Row($"idle, one every {options.IdleGapSeconds:0.#} s", "app", await MeasureAsync(options.IdleReferrals, 0, TimeSpan.FromSeconds(options.IdleGapSeconds), Submit, Arrival), appCpu, azuriteCpu));
            rows.Add(Row($"{options.Rate}/s for {options.Seconds} s", "app", await MeasureAsync(options.Rate * options.Seconds, options.Rate, TimeSpan.Zero, Submit, Arrival), appCpu, azuriteCpu));
        }

        var (queue, container) = Bench.RawClients(azurite, Bench.Names("e2eraw"));
        using var stop = new CancellationTokenSource();
        var consumer = RawConsumerAsync(queue, container, force.Url, maxPolling, stop.Token);
        async Task<string> Raw(int i)
        {
            var key = $"raw-{Guid.NewGuid():N}";
            await container.UploadBlobAsync($"{key}/report.json", new BinaryData(Bench.ReportBody));
            await queue.SendMessageAsync(key);
            return key;
        }

        await MeasureAsync(2, 1, TimeSpan.FromSeconds(1), Raw, Arrival);
        var benchCpu = new Cpu(Environment.ProcessId);
        var azuriteCpuRaw = new Cpu(azurite.ProcessId!.Value);
        rows.Insert(1, Row($"idle, one every {options.IdleGapSeconds:0.#} s", "raw baseline", await MeasureAsync(options.IdleReferrals, 0, TimeSpan.FromSeconds(options.IdleGapSeconds), Raw, Arrival), benchCpu, azuriteCpuRaw));
        rows.Add(Row($"{options.Rate}/s for {options.Seconds} s", "raw baseline", await MeasureAsync(options.Rate * options.Seconds, options.Rate, TimeSpan.Zero, Raw, Arrival), benchCpu, azuriteCpuRaw));
        await stop.CancelAsync();
        await consumer;

        Console.WriteLine("### End to end: submission to the force's 2xx\n");
        Console.WriteLine(FormattableString.Invariant($"The host's queue triggers poll every 100 ms when busy, doubling to {maxPolling.TotalSeconds:0.#} s when idle (host.json's maxPollingInterval, overridden); the raw baseline polls the same way.\n"));
        Console.WriteLine("CPU is each process's share of one core over the row's run (the raw baseline's consumer runs in the benchmark process, which also submits).\n");
        Console.WriteLine("| load | path | referrals | median ms | p99 ms | max ms | not delivered | CPU: app (raw: benchmark) | CPU: Azurite |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.ForEach(Console.WriteLine);
        Console.WriteLine();
        return 0;
    });

    /// <summary>
    /// Sends <paramref name="count"/> submissions, either one at a time with <paramref name="gap"/> between
    /// one's arrival and the next (rate 0), or on an open-loop schedule of <paramref name="rate"/> a second;
    /// returns each one's time from leaving to the force's 2xx, and how many never arrived.
    /// </summary>
    private static async Task<(double[] Ms, int Lost)> MeasureAsync(int count, int rate, TimeSpan gap, Func<int, Task<string>> submit, Func<string, TaskCompletionSource<long>> arrival)
    {
        async Task<double?> One(int i)
        {
            var left = Stopwatch.GetTimestamp();
            var key = await submit(i);
            var arrived = arrival(key).Task;
            return await Task.WhenAny(arrived, Task.Delay(TimeSpan.FromMinutes(5))) == arrived
                ? Stopwatch.GetElapsedTime(left, await arrived).TotalMilliseconds
                : null;
        }

        var results = new List<double?>();
        if (rate == 0)
        {
            for (var i = 0; i < count; i++)
            {
                results.Add(await One(i));
                await Task.Delay(gap); // pacing: the listeners back off as they would at a quiet hour (a benchmark, not a test)
            }
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var inFlight = new List<Task<double?>>();
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                inFlight.Add(One(i));
            }

            results.AddRange(await Task.WhenAll(inFlight));
        }

        return ([.. results.OfType<double>().Order()], results.Count(r => r is null));
    }

    private static string Row(string load, string path, (double[] Ms, int Lost) run, Cpu worker, Cpu azurite) => FormattableString.Invariant(
        $"| {load} | {path} | {run.Ms.Length + run.Lost} | {Run.Percentile(run.Ms, 50):0} | {Run.Percentile(run.Ms, 99):0} | {run.Ms[^1]:0} | {run.Lost} | {worker.PercentSinceLast():0}% | {azurite.PercentSinceLast():0}% |");

    /// <summary>A process's CPU time as a share of one core, from one reading to the next.</summary>
    private sealed class Cpu(int processId)
    {
        private TimeSpan _cpu = Read(processId);
        private long _at = Stopwatch.GetTimestamp();

        public double PercentSinceLast()
        {
            var (cpu, at) = (Read(processId), Stopwatch.GetTimestamp());
            var percent = 100 * (cpu - _cpu).TotalSeconds / Stopwatch.GetElapsedTime(_at, at).TotalSeconds;
            (_cpu, _at) = (cpu, at);
            return percent;
        }

        private static TimeSpan Read(int id)
        {
            using var process = Process.GetProcessById(id);
            return process.TotalProcessorTime;
        }
    }

    /// <summary>The baseline's consumer: receive up to 16, read each report, POST it to the force, delete.</summary>
    private static async Task RawConsumerAsync(Azure.Storage.Queues.QueueClient queue, Azure.Storage.Blobs.BlobContainerClient container, Uri force, TimeSpan maxPolling, CancellationToken stop)
    {
        using var http = new HttpClient();
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            QueueMessage[] batch;
            try
            {
                batch = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(30), stop)).Value;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (batch.Length == 0)
            {
                await Task.Delay(delay, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxPolling.Ticks));
                continue;
            }

            delay = TimeSpan.FromMilliseconds(100);
            await Task.WhenAll(batch.Select(async message =>
            {
                var key = message.Body.ToString();
                var report = (await container.GetBlobClient($"{key}/report.json").DownloadContentAsync()).Value.Content;
                using var content = new ByteArrayContent(report.ToArray());
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, force) { Content = content };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await http.SendAsync(request);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }));
        }
    }
}
