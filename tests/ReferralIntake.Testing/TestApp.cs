using Azure.Storage.Blobs.Models;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using LocalFunctionsHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// The app's isolated worker under the local Functions host (tools/LocalFunctionsHost), both in the test's own
/// process: real HTTP on a free loopback port through the host's forwarder, the host's real queue and timer
/// triggers against the shared Azurite with queues and a container of this app's own (so tests cannot see each
/// other's messages), the worker's real gRPC stream. In process, so a test can read the worker's services and
/// replace some (a fake clock, a flaky delivery). Captures every log line, the host's and the worker's.
/// </summary>
public sealed class TestApp : IDisposable, IAsyncDisposable
{
    public const string PartnerA = "partner-a";
    public const string PartnerAKey = "test-key-partner-a";
    public const string PartnerB = "partner-b";
    public const string PartnerBKey = "test-key-partner-b";

    /// <summary>A test setting: "true" turns the queue triggers off (AzureWebJobs.{name}.Disabled, as in Azure),
    /// so what is sent stays on the queues for the test to read or to run by hand.</summary>
    public const string QueueTriggersOff = "Test:QueueTriggersOff";

    /// <summary>A test setting: "true" lets the timers run on their schedules (off by default, so a quarter-hour
    /// statistics refresh cannot land in the middle of a test).</summary>
    public const string TimersOn = "Test:TimersOn";

    public static readonly string[] QueueFunctions = [TriageReferral.TriageReferralFunction.Name, TriageReferral.TriageReferralFunction.UrgentName, DeliverReferral.DeliverReferralFunction.Name];
    public static readonly string[] TimerFunctions = [RetentionSweep.RetentionSweepTrigger.Name, Statistics.StatisticsRefreshTrigger.Name];

    private readonly WebApplication _host;
    private readonly InProcessWorker _worker;
    private readonly int _port;
    private int _disposed;

    /// <param name="hostQueueClients">Applied to the local host's queue clients (the triggers'), as <paramref name="services"/> is to the worker's.</param>
    public TestApp(AzuriteFixture azurite, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? connectionString = null,
        Action<QueueClientOptions>? hostQueueClients = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        QueueName = $"referrals-{suffix}";
        ContainerName = $"referrals-{suffix}";
        ConnectionString = connectionString ?? azurite.ConnectionString;
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = ConnectionString,
            ["ReferralQueueName"] = QueueName,
            ["UrgentReferralQueueName"] = $"{QueueName}-urgent",
            ["DeliveryQueueName"] = $"{QueueName}-deliveries",
            ["ReferralContainerName"] = ContainerName,
            [$"Partners:{PartnerA}:KeySha256"] = Partners.HashKey(PartnerAKey),
            [$"Partners:{PartnerA}:RequestsPerMinute"] = "600",
            [$"Partners:{PartnerB}:KeySha256"] = Partners.HashKey(PartnerBKey),
            [$"Partners:{PartnerB}:RequestsPerMinute"] = "600",
            // host.json's queue settings, overridden for tests as an app setting would in Azure: an empty queue is
            // polled again within 0.2 s, and a failed message is visible again at once.
            ["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.2",
            ["AzureFunctionsJobHost__extensions__queues__visibilityTimeout"] = "00:00:00",
            ["Logging:LogLevel:Default"] = "Trace",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var queueTriggersOff = all.Remove(QueueTriggersOff, out var off) && string.Equals(off, "true", StringComparison.OrdinalIgnoreCase);
        var timersOn = all.Remove(TimersOn, out var on) && string.Equals(on, "true", StringComparison.OrdinalIgnoreCase);
        foreach (var (key, value) in Disabled((queueTriggersOff ? QueueFunctions : []).Concat(timersOn ? [] : TimerFunctions)))
        {
            all[key] = value;
        }

        var capture = new CapturingLoggerProvider(Logs);
        _worker = new InProcessWorker(builder =>
        {
            builder.Logging.AddProvider(capture);
            services?.Invoke(builder.Services);
        });
        _port = AzuriteFixture.FreePort();
        _host = LocalHost.Build(new LocalHostOptions
        {
            ScriptRoot = AppContext.BaseDirectory,
            HttpPort = _port,
            Settings = all.Where(s => s.Value is not null).ToDictionary(s => s.Key, s => s.Value!),
            Launcher = _worker,
            QueueLease = TimeSpan.FromSeconds(5),
            QueueClients = hostQueueClients,
            Logging = logging => logging.AddProvider(capture).SetMinimumLevel(LogLevel.Information),
        });
        try
        {
            StartAsync().GetAwaiter().GetResult();
        }
        catch
        {
            _host.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            ((IDisposable)_host).Dispose();
            throw;
        }

        Client = CreateClient();
        Client.DefaultRequestHeaders.Add("X-Api-Key", PartnerAKey);
    }

    /// <summary>The app settings that turn these functions off, as in Azure (AzureWebJobs.{name}.Disabled).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Disabled(IEnumerable<string> functions) =>
        functions.Select(f => KeyValuePair.Create($"AzureWebJobs.{f}.Disabled", "true"));

    public string QueueName { get; }

    public string ContainerName { get; }

    public string ConnectionString { get; }

    public HttpClient Client { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>The running worker's services.</summary>
    public IServiceProvider Services => _worker.Current.Services;

    public Uri BaseAddress => new($"http://127.0.0.1:{_port}");

    public QueueClient Queue => new(ConnectionString, QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient UrgentQueue => new(ConnectionString, $"{QueueName}-urgent", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient DeliveryQueue => new(ConnectionString, $"{QueueName}-deliveries", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient UrgentPoisonQueue => new(ConnectionString, $"{QueueName}-urgent-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient DeliveryPoisonQueue => new(ConnectionString, $"{QueueName}-deliveries-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient PoisonQueue => new(ConnectionString, $"{QueueName}-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public BlobContainerClient Container => new(ConnectionString, ContainerName);

    /// <summary>A client of the app as a browser is: it keeps cookies and follows redirects.</summary>
    public HttpClient CreateClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true }) { BaseAddress = BaseAddress };

    private async Task StartAsync()
    {
        await _host.StartAsync();
        var started = _worker.Started.WaitAsync(TimeSpan.FromSeconds(60));
        await started; // a worker that cannot start throws here, with its reason
        await LocalHost.FunctionsMapped(_host).WaitAsync(TimeSpan.FromSeconds(60));
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Stops the host as Azure stops an instance: the triggers drain, then the worker stops; once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Client.Dispose();
        await _host.StopAsync(CancellationToken.None);
        await _host.DisposeAsync();
    }

    /// <summary>
    /// Runs the triage function's body in process, with the worker's services, as the host's invocation of the
    /// referrals queue's trigger would with this dequeue count: it completes when the message is done with, and
    /// throws when the host would try it again (or, after the last try, move it to poison).
    /// </summary>
    public async Task TriageByHandAsync(string message, long dequeueCount = 1)
    {
        await using var scope = Services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<TriageReferral.TriageReferralFunction>(scope.ServiceProvider);
        await function.RunAsync(message, dequeueCount, scope.ServiceProvider.GetRequiredService<Hosting.QueueTriggerOptions>().MaxDequeueCount, CancellationToken.None);
    }

    /// <summary>What the RetentionSweep timer does, now, in process.</summary>
    public Task<RetentionSweep.SweepResult> SweepRetentionByHandAsync() => RetentionSweep.RetentionSweepTrigger.SweepAsync(Services, CancellationToken.None);

    /// <summary>What the StatisticsRefresh timer does, now, in process.</summary>
    public Task<Statistics.StatisticsRun> RefreshStatisticsByHandAsync() => Statistics.StatisticsRefreshTrigger.RefreshAsync(Services, CancellationToken.None);

    public async Task<HttpResponseMessage> SubmitAsync(string json, string? idempotencyKey = null, string apiKey = PartnerAKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", apiKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var anonymous = CreateClient();
        return await anonymous.SendAsync(request);
    }

    /// <summary>A GET with a key in X-Api-Key (a partner's or a force's), as their systems call.</summary>
    public async Task<HttpResponseMessage> GetWithKeyAsync(string path, string apiKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", apiKey);
        using var client = CreateClient();
        return await client.SendAsync(request);
    }

    public async Task<AcceptedReferral> SubmitAcceptedAsync(string json, string? idempotencyKey = null)
    {
        using var response = await SubmitAsync(json, idempotencyKey);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AcceptedReferral>())!;
    }

    public async Task<ReferralStatusBody?> StatusAsync(string reference)
    {
        using var response = await Client.GetAsync($"/api/referrals/{reference}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<ReferralStatusBody>() : null;
    }

    /// <summary>Waits for a status and for its audit entry: the status is saved first, its audit line just after.</summary>
    public Task<ReferralStatusBody> StatusWhenAsync(string reference, string status, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(
            () => StatusAsync(reference),
            s => s.Status == status && s.Audit?.Any(a => a.Event == status) == true,
            timeout ?? TimeSpan.FromSeconds(30),
            $"{reference} to be {status}");

    public async Task<int> QueueLengthAsync(QueueClient queue)
    {
        if (!await queue.ExistsAsync())
        {
            return 0;
        }

        return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
    }

    public async Task<int> ReferralFolderCountAsync()
    {
        if (!await Container.ExistsAsync())
        {
            return 0;
        }

        var count = 0;
        await foreach (var blob in Container.GetBlobsAsync(new GetBlobsOptions()))
        {
            if (blob.Name.EndsWith("/report.json", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, sink);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{fields}] {exception}");
        }
    }
}
