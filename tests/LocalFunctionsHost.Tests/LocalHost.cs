using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Azure.Storage.Queues;
using ReferralIntake.Functions.Tests.Support;

namespace LocalFunctionsHost.Tests;

/// <summary>
/// The local Functions host as a process, running the sample worker against the shared Azurite with queues of
/// its own: HTTP on a free loopback port, a short queue lease (so a lost lease shows within the test's bounds),
/// settings from a local.settings.json it writes, and one setting overridden from the environment.
/// </summary>
public sealed class LocalHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _settingsFile;

    private LocalHost(Process process, string settingsFile, int port, string connectionString, string suffix)
    {
        _process = process;
        _settingsFile = settingsFile;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(90) };
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        WorkQueue = new QueueClient(connectionString, $"work-{suffix}", options);
        PoisonQueue = new QueueClient(connectionString, $"work-{suffix}-poison", options);
        ResultsQueue = new QueueClient(connectionString, $"results-{suffix}", options);
    }

    public HttpClient Client { get; }

    public QueueClient WorkQueue { get; }

    public QueueClient PoisonQueue { get; }

    /// <summary>Where the sample worker records what it did.</summary>
    public QueueClient ResultsQueue { get; }

    public ConcurrentQueue<string> Output { get; } = new();

    public Process Process => _process;

    /// <summary>Every result line read so far (read and deleted from the results queue as they arrive).</summary>
    public ConcurrentQueue<string> Results { get; } = new();

    public static async Task<LocalHost> StartAsync(AzuriteFixture azurite, TimeSpan queueLease)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var port = FreePort();
        var settingsFile = Path.Combine(Path.GetTempPath(), $"local.settings.{suffix}.json");
        await File.WriteAllTextAsync(settingsFile, JsonSerializer.Serialize(new
        {
            IsEncrypted = false,
            Values = new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["WorkQueue"] = $"work-{suffix}",
                ["ResultsQueue"] = $"results-{suffix}",
                ["TickSchedule"] = "*/1 * * * * *",
                ["SampleSetting"] = "from-local-settings",
                ["OverriddenSetting"] = "from-local-settings",
            },
        }));

        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(BuildOutput("tools", "LocalFunctionsHost"), "LocalFunctionsHost.dll"),
            "--script-root", BuildOutput("tests", "LocalFunctionsHost.SampleWorker"),
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--settings", settingsFile,
            "--queue-lease", queueLease.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["OverriddenSetting"] = "from-environment"; // the caller's variable wins, as under func start
        var process = Process.Start(info)!;
        var host = new LocalHost(process, settingsFile, port, azurite.ConnectionString, suffix);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { host.Output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { host.Output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return process.HasExited ? throw new InvalidOperationException("The local host exited: " + string.Join('\n', host.Output)) : false;
            }
        }, TimeSpan.FromSeconds(60), "the local host listening");
        await host.ResultsQueue.CreateIfNotExistsAsync();
        await host.WorkQueue.CreateIfNotExistsAsync();
        return host;
    }

    /// <summary>The result lines for one work item, waiting (bounded) until the condition on them holds.</summary>
    public async Task<List<string[]>> ResultsForAsync(string id, Func<List<string[]>, bool> done, TimeSpan timeout)
    {
        List<string[]> Matching() => Results.Select(r => r.Split('|')).Where(r => r[0] == id).ToList();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var message in (await ResultsQueue.ReceiveMessagesAsync(32)).Value)
            {
                Results.Enqueue(message.Body.ToString());
                await ResultsQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            return done(Matching());
        }, timeout, $"the sample's results for '{id}' ({string.Join("; ", Matching().Select(r => string.Join('|', r)))}); host output:\n{string.Join('\n', Output.TakeLast(30))}");
        return Matching();
    }

    /// <summary>What the sample's Hello function saw, once the host answers it.</summary>
    public async Task<JsonElement> HelloAsync(string name)
    {
        using var response = await Client.GetAsync($"api/hello/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>The worker process serving HTTP now, or null while none answers (a restart under way).</summary>
    public async Task<string?> ServingWorkerAsync()
    {
        using var response = await Client.GetAsync("api/hello/which");
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("processId").GetString()
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited && !await ProcessStop.TerminateAsync(_process, TimeSpan.FromSeconds(30)))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        Client.Dispose();
        File.Delete(_settingsFile);
    }

    private static string BuildOutput(string folder, string project)
    {
        // The same configuration as these tests (./test.sh builds Release).
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var output = Path.Combine(RepoPaths.Root, folder, project, "bin", configuration, "net10.0");
        return Directory.Exists(output) ? output : throw new InvalidOperationException($"{output} is missing: build the solution first.");
    }

    private static int FreePort() => AzuriteFixture.FreePort();
}

/// <summary>One Azurite and one host for the contract tests, which run one after another.</summary>
public sealed class LocalHostFixture : IAsyncLifetime
{
    public AzuriteFixture Azurite { get; } = new();

    public LocalHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Host = await LocalHost.StartAsync(Azurite, queueLease: TimeSpan.FromSeconds(2));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
