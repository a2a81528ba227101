using Azure.Storage.Blobs.Models;
using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// The real app on Kestrel, on a free loopback port, against the shared Azurite with a queue and a
/// container of its own (so tests cannot see each other's messages). Captures every log line.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    public const string PartnerA = "partner-a";
    public const string PartnerAKey = "test-key-partner-a";
    public const string PartnerB = "partner-b";
    public const string PartnerBKey = "test-key-partner-b";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public TestApp(AzuriteFixture azurite, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, string? connectionString = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        QueueName = $"referrals-{suffix}";
        ContainerName = $"referrals-{suffix}";
        ConnectionString = connectionString ?? azurite.ConnectionString;
        _settings = new Dictionary<string, string?>
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
            ["QueueListener:MaxPollingSeconds"] = "0.2",
            ["QueueListener:RetryDelaySeconds"] = "0",
            ["QueueListener:LeaseSeconds"] = "5",
            ["Logging:LogLevel:Default"] = "Trace",
        };
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }

        _services = services;
        // A free loopback port through "urls": UseKestrel(port) races the app's own start in WebApplicationFactory
        // (dotnet/aspnetcore#67714), so the port is left to the app's configuration instead.
        _settings["urls"] = "http://127.0.0.1:0";
        UseKestrel();
        StartServer();
        Client = CreateClient();
        Client.DefaultRequestHeaders.Add("X-Api-Key", PartnerAKey);
    }

    public string QueueName { get; }

    public string ContainerName { get; }

    public string ConnectionString { get; }

    public HttpClient Client { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    public QueueClient Queue => new(ConnectionString, QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient UrgentQueue => new(ConnectionString, $"{QueueName}-urgent", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient DeliveryQueue => new(ConnectionString, $"{QueueName}-deliveries", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient UrgentPoisonQueue => new(ConnectionString, $"{QueueName}-urgent-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient DeliveryPoisonQueue => new(ConnectionString, $"{QueueName}-deliveries-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public QueueClient PoisonQueue => new(ConnectionString, $"{QueueName}-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public BlobContainerClient Container => new(ConnectionString, ContainerName);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

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
