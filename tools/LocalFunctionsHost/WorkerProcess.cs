using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LocalFunctionsHost;

/// <summary>
/// Starts the worker as the Functions host does, with the host's command-line contract (--functions-uri and
/// friends) and the app settings, through the <see cref="IWorkerLauncher"/> (a process from worker.config.json,
/// unless a test embeds the worker). When the worker dies the host starts another (after a back-off that grows
/// while it keeps dying). On the host's own stop, as soon as it begins: the triggers stop and drain first, then
/// the worker is stopped with a grace period (the web server's own stop waits for the worker's stream, so it
/// must not come last).
/// </summary>
internal sealed partial class WorkerProcess(
    HostSettings settings, AppSettings appSettings, IWorkerLauncher launcher, WorkerChannel channel, GrpcEndpoint grpc, TriggerHost triggers,
    IHostApplicationLifetime lifetime, ILogger<WorkerProcess> log) : BackgroundService
{
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
            await using var worker = launcher.Start(Describe(await grpc.Address.WaitAsync(stoppingToken).ConfigureAwait(false)));
            Starts++;
            LogStarted(log, worker.Description);
            int exitCode;
            try
            {
                exitCode = await worker.Exited.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await worker.StopAsync().ConfigureAwait(false);
                channel.CloseStreams();
                return;
            }

            channel.WorkerExited();
            LogExited(log, exitCode);
            // A worker that lived a while is restarted at once; one that keeps dying at start waits longer each time.
            backOff = DateTimeOffset.UtcNow - started > TimeSpan.FromSeconds(30) ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            await Task.Delay(backOff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private WorkerStart Describe(Uri grpcAddress)
    {
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var maxMessage = int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The Functions host's command line for a worker (both spellings: the worker reads the --functions-* ones).
        var arguments = new List<string>();
        foreach (var (name, value) in new[]
        {
            ("--host", grpcAddress.Host), ("--port", grpcAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("--workerId", workerId), ("--requestId", requestId), ("--grpcMaxMessageLength", maxMessage),
            ("--functions-uri", grpcAddress.ToString()), ("--functions-worker-id", workerId), ("--functions-request-id", requestId),
            ("--functions-grpc-max-message-length", maxMessage),
        })
        {
            arguments.Add(name);
            arguments.Add(value);
        }

        return new WorkerStart(settings.ScriptRoot, arguments, appSettings.All);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Worker} started")]
    private static partial void LogStarted(ILogger logger, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker exited with code {ExitCode}; starting another, as the Functions host does")]
    private static partial void LogExited(ILogger logger, int exitCode);
}

/// <summary>What a worker is started with: the app's folder, the host's command line, the app settings.</summary>
public sealed record WorkerStart(string ScriptRoot, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Settings);

/// <summary>Starts a worker. The Functions host starts a process; a test may run the worker in its own.</summary>
public interface IWorkerLauncher
{
    IRunningWorker Start(WorkerStart start);
}

/// <summary>A worker the host started.</summary>
public interface IRunningWorker : IAsyncDisposable
{
    /// <summary>For the host's log: "process 1234: path/to/worker.dll".</summary>
    string Description { get; }

    /// <summary>Completes with the exit code when the worker ends on its own.</summary>
    Task<int> Exited { get; }

    /// <summary>Asks the worker to stop and waits for it, within a grace period.</summary>
    Task StopAsync();
}

/// <summary>The worker as a process, from worker.config.json, as the Functions host starts it.</summary>
internal sealed class ProcessLauncher : IWorkerLauncher
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public IRunningWorker Start(WorkerStart start)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(start.ScriptRoot, "worker.config.json")))!["description"]!;
        var executable = config["defaultExecutablePath"]!.GetValue<string>();
        var workerPath = Path.Combine(start.ScriptRoot, config["defaultWorkerPath"]!.GetValue<string>());
        var info = new ProcessStartInfo(executable) { WorkingDirectory = start.ScriptRoot, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (string.Equals(executable, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(workerPath);
        }
        else
        {
            info.FileName = workerPath;
        }

        foreach (var argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (key, value) in start.Settings)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        // The worker's console goes to the host's, line by line, as func start shows it.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Out.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RunningProcess(process, $"process {process.Id}: {workerPath}");
    }

    private sealed class RunningProcess(Process process, string description) : IRunningWorker
    {
        public string Description => description;

        public Task<int> Exited { get; } = process.WaitForExitAsync().ContinueWith(_ => process.ExitCode, TaskScheduler.Default);

        public async Task StopAsync()
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

        public ValueTask DisposeAsync()
        {
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The loopback address of the host's gRPC endpoint, known once Kestrel has bound its port.</summary>
internal sealed class GrpcEndpoint
{
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Uri> Address => _address.Task;

    public void Bound(Uri address) => _address.TrySetResult(address);
}
