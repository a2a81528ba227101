using System.Diagnostics;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// The app as its own OS process (the built executable, as ./run.sh starts it), so a test can kill it
/// with SIGKILL mid-work and start another on the same storage.
/// </summary>
public sealed class AppProcess : IDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, int port)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public HttpClient Client { get; }

    public int ProcessId => _process.Id;

    /// <summary>The process's peak resident memory so far (VmHWM), in bytes; Linux only.</summary>
    public long PeakWorkingSetBytes =>
        File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024
            : _process.PeakWorkingSet64;

    /// <summary>What the process printed: for diagnosing a failed test.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; private init; } = new();

    /// <param name="executable">A published native executable to run instead of the build output's dll.</param>
    public static async Task<AppProcess> StartAsync(IReadOnlyDictionary<string, string> settings, TimeSpan? healthTimeout = null, int? port = null, string? executable = null)
    {
        port ??= AzuriteFixture.FreePort();
        var app = executable ?? typeof(ReferralIntake.Functions.Hosting.WorkerProgram).Assembly.Location; // the app's build output, copied beside the tests
        var process = Process.Start(StartInfo(app, port.Value, settings)) ?? throw new InvalidOperationException("The app did not start.");
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var running = new AppProcess(process, port.Value) { Output = output };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                using var health = await running.Client.GetAsync("/api/health");
                return health.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, healthTimeout ?? TimeSpan.FromSeconds(60), "the app process to be healthy");
        return running;
    }

    /// <summary>How to start an ASP.NET Core app (its dll, or a native executable) on a loopback port, with
    /// settings as environment variables ("Section:Key" becomes Section__Key), its output captured.</summary>
    public static ProcessStartInfo StartInfo(string app, int port, IReadOnlyDictionary<string, string> settings)
    {
        var dll = app.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(dll ? "dotnet" : app)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(app)!,
        };
        if (dll)
        {
            start.ArgumentList.Add(app);
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return start;
    }

    /// <summary>SIGTERM, as the Functions host stops a worker: the app shuts down and flushes what it holds. Bounded.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!await ProcessStop.TerminateAsync(_process, timeout))
        {
            throw new TimeoutException($"The app did not stop within {timeout} of SIGTERM.");
        }
    }

    /// <summary>SIGKILL: no shutdown, no chance to finish or release anything.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        Client.Dispose();
    }
}
