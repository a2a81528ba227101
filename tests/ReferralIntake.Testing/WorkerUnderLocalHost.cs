using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// The published isolated worker (artifacts/worker, published by ./test.sh) under the local Functions host
/// (tools/LocalFunctionsHost), as processes, as ./run.sh starts them: real HTTP on a free loopback port, the
/// real queue triggers against Azurite, so a test can kill the worker (the host starts another) or the whole
/// instance (host and worker, SIGKILL) mid-work and start another on the same storage. Settings go in as
/// environment variables ("Section:Key" becomes Section__Key), which the host hands on to the worker as
/// func start does.
/// </summary>
public sealed partial class WorkerUnderLocalHost : IAsyncDisposable, IDisposable
{
    private readonly Process _host;
    private int _disposed;

    private WorkerUnderLocalHost(Process host, int port)
    {
        _host = host;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public static string PublishedWorker => Path.Combine(RepoPaths.Root, "artifacts", "worker");

    public HttpClient Client { get; }

    public ConcurrentQueue<string> Output { get; } = new();

    /// <summary>The worker processes the host has started, oldest first (read from its log).</summary>
    public IReadOnlyList<int> WorkerProcessIds => Output.Select(line => WorkerStarted().Match(line)).Where(m => m.Success)
        .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();

    /// <summary>The local host's own process id.</summary>
    public int HostProcessId => _host.Id;

    /// <summary>The worker the host runs now: its process id (the one a benchmark measures).</summary>
    public int ProcessId => WorkerProcessIds[^1];

    /// <summary>The worker process's peak resident memory so far (VmHWM), in bytes; Linux only.</summary>
    public long PeakWorkingSetBytes =>
        File.ReadLines($"/proc/{ProcessId}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) is var line
            ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024
            : 0;

    /// <param name="settings">App settings ("Section:Key"); AzureWebJobs.{name}.Disabled and AzureFunctionsJobHost__… included.</param>
    /// <param name="queueLease">How long the host's queue triggers hold a message before its lease must be renewed.</param>
    /// <param name="scriptRoot">Another worker folder than artifacts/worker.</param>
    public static async Task<WorkerUnderLocalHost> StartAsync(IReadOnlyDictionary<string, string> settings, TimeSpan? queueLease = null, int? port = null,
        TimeSpan? healthTimeout = null, string? scriptRoot = null)
    {
        scriptRoot ??= PublishedWorker;
        if (!File.Exists(Path.Combine(scriptRoot, "functions.metadata")))
        {
            throw new InvalidOperationException($"{scriptRoot} has no published worker: ./test.sh publishes it before the tests (build/setup.sh, publish_worker).");
        }

        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var localHost = Path.Combine(RepoPaths.Root, "tools", "LocalFunctionsHost", "bin", configuration, "net10.0", "LocalFunctionsHost.dll");
        var hostPort = port ?? AzuriteFixture.FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { localHost, "--script-root", scriptRoot, "--port", hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queue-lease", (queueLease ?? TimeSpan.FromSeconds(30)).TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // The host's "Worker process N started" line, which WorkerProcessIds reads, whatever level the settings ask for.
        start.Environment["Logging__LogLevel__LocalFunctionsHost.WorkerProcess"] = "Information";

        var running = new WorkerUnderLocalHost(Process.Start(start)!, hostPort);
        running._host.OutputDataReceived += (_, e) => { if (e.Data is not null) { running.Output.Enqueue(e.Data); } };
        running._host.ErrorDataReceived += (_, e) => { if (e.Data is not null) { running.Output.Enqueue(e.Data); } };
        running._host.BeginOutputReadLine();
        running._host.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            if (running._host.HasExited)
            {
                throw new InvalidOperationException("The local host exited:\n" + string.Join('\n', running.Output));
            }

            try
            {
                using var health = await running.Client.GetAsync("/api/health");
                return health.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, healthTimeout ?? TimeSpan.FromSeconds(60), "the worker under the local host to be healthy");
        return running;
    }

    /// <summary>SIGKILL to the worker the host runs now: the host must start another.</summary>
    public void KillWorker()
    {
        using var worker = Process.GetProcessById(WorkerProcessIds[^1]);
        worker.Kill();
        worker.WaitForExit(10_000);
    }

    /// <summary>SIGKILL to the host and its worker, as an instance dies: no shutdown, no chance to finish or release anything.</summary>
    public void Kill()
    {
        _host.Kill(entireProcessTree: true);
        _host.WaitForExit(10_000);
    }

    /// <summary>SIGTERM to the host, as the platform stops an instance: it drains its triggers and stops the worker, which flushes what it holds. Bounded.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!await ProcessStop.TerminateAsync(_host, timeout))
        {
            throw new TimeoutException($"The local host did not stop within {timeout} of SIGTERM.");
        }
    }

    public string Said(int lines = 40) => string.Join('\n', Output.TakeLast(lines));

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>SIGTERM to the host (which drains its triggers and stops the worker, as Azure does), bounded; once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_host.HasExited && !await ProcessStop.TerminateAsync(_host, TimeSpan.FromSeconds(30)))
        {
            _host.Kill(entireProcessTree: true);
        }

        _host.Dispose();
        Client.Dispose();
    }

    [GeneratedRegex(@"Worker process (\d+):")]
    private static partial Regex WorkerStarted();
}
