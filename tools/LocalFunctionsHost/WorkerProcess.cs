using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LocalFunctionsHost;

/// <summary>
/// Starts the worker as the Functions host does: worker.config.json's executable and worker path, the host's
/// command-line contract (--functions-uri and friends) and the app settings as environment variables. When
/// the worker dies the host starts another (after a back-off that grows while it keeps dying). On the host's
/// own stop, as soon as it begins: the triggers stop and drain first, then the worker gets SIGTERM and a
/// grace period (the web server's own stop waits for the worker's stream, so it must not come last).
/// </summary>
internal sealed partial class WorkerProcess(
    HostSettings settings, AppSettings appSettings, WorkerChannel channel, GrpcEndpoint grpc, TriggerHost triggers,
    IHostApplicationLifetime lifetime, ILogger<WorkerProcess> log) : BackgroundService
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stopWorker = new();
    private Task _stopping = Task.CompletedTask;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => _stopping = DrainThenStopWorkerAsync());
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _stopWorker.Dispose();
        base.Dispose();
    }

    private async Task DrainThenStopWorkerAsync()
    {
        await triggers.StopTriggersAsync().ConfigureAwait(false);
        await _stopWorker.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>How many times the worker has been started: a test reads it to see a restart.</summary>
    public int Starts { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _stopWorker.Token);
        var stoppingToken = stopping.Token;
        var backOff = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = DateTimeOffset.UtcNow;
            using var process = Start(await grpc.Address.WaitAsync(stoppingToken).ConfigureAwait(false));
            Starts++;
            try
            {
                await process.WaitForExitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await StopAsync(process).ConfigureAwait(false);
                return;
            }

            channel.WorkerExited();
            LogExited(log, process.ExitCode);
            // A worker that lived a while is restarted at once; one that keeps dying at start waits longer each time.
            backOff = DateTimeOffset.UtcNow - started > TimeSpan.FromSeconds(30) ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            await Task.Delay(backOff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private Process Start(Uri grpcAddress)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(settings.ScriptRoot, "worker.config.json")))!["description"]!;
        var executable = config["defaultExecutablePath"]!.GetValue<string>();
        var workerPath = Path.Combine(settings.ScriptRoot, config["defaultWorkerPath"]!.GetValue<string>());
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var info = new ProcessStartInfo(executable) { WorkingDirectory = settings.ScriptRoot, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (string.Equals(executable, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(workerPath);
        }
        else
        {
            info.FileName = workerPath;
        }

        // The Functions host's command line for a worker (both spellings: the worker reads the --functions-* ones).
        foreach (var (name, value) in new[]
        {
            ("--host", grpcAddress.Host), ("--port", grpcAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("--workerId", workerId), ("--requestId", requestId), ("--grpcMaxMessageLength", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("--functions-uri", grpcAddress.ToString()), ("--functions-worker-id", workerId), ("--functions-request-id", requestId),
            ("--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        })
        {
            info.ArgumentList.Add(name);
            info.ArgumentList.Add(value);
        }

        info.Environment.Clear();
        foreach (var (key, value) in appSettings.All)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        // The worker's console goes to the host's, line by line, as func start shows it.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Out.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        LogStarted(log, process.Id, workerPath);
        return process;
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        // SIGTERM: the worker stops its host and finishes what it can.
        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await (term?.WaitForExitAsync() ?? Task.CompletedTask).ConfigureAwait(false);
        }

        using var grace = new CancellationTokenSource(Grace);
        await process.WaitForExitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker process {ProcessId} started: {WorkerPath}")]
    private static partial void LogStarted(ILogger logger, int processId, string workerPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker process exited with code {ExitCode}; starting another, as the Functions host does")]
    private static partial void LogExited(ILogger logger, int exitCode);
}

/// <summary>The loopback address of the host's gRPC endpoint, known once Kestrel has bound its port.</summary>
internal sealed class GrpcEndpoint
{
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Uri> Address => _address.Task;

    public void Bound(Uri address) => _address.TrySetResult(address);
}
