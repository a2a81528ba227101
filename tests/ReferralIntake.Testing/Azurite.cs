using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// A real Azurite for the test run, from the repo's own node_modules (./test.sh installs it), on free
/// loopback ports with its data in a temporary folder. Restartable on the same data, for fault tests.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's published development account and key: they open only the local emulator.
    public const string DevAccount = "devstoreaccount1";
    public const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _location = Path.Combine(Path.GetTempPath(), $"referralintake-azurite-{Guid.NewGuid():N}");
    private Process? _process;

    /// <summary>Azurite's process, for benchmarks that report its CPU time; null before it starts.</summary>
    public int? ProcessId => _process?.Id;

    public int BlobPort { get; } = FreePort();

    public int QueuePort { get; } = FreePort();

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{DevAccount};QueueEndpoint=http://127.0.0.1:{QueuePort}/{DevAccount};";

    public async Task InitializeAsync() => await StartAsync();

    public Task DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync()
    {
        Directory.CreateDirectory(_location);
        var azurite = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed at {azurite}: run ./test.sh, which runs npm ci first.");
        }

        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "--silent", "--skipApiVersionCheck", "--location", _location,
                     "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--tableHost", "127.0.0.1", "--tablePort", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(() => Task.FromResult(Listening(BlobPort) && Listening(QueuePort)), TimeSpan.FromSeconds(30), "Azurite to listen");
    }

    /// <summary>
    /// Stops Azurite as an operator would (SIGTERM), so it writes out its data: a real storage account
    /// never loses an acknowledged write, and an emulator killed with SIGKILL can lose its last seconds.
    /// </summary>
    public async Task StopGracefullyAsync()
    {
        if (_process is { HasExited: false } process)
        {
            if (!await ProcessStop.TerminateAsync(process, TimeSpan.FromSeconds(30)))
            {
                process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        _process = null;
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public static int FreePort() => LocalFunctionsHost.LocalHost.FreeLoopbackPort();

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

public static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ReferralIntake.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repo root (ReferralIntake.sln) above the test binaries.");
    }
}
