using Azure.Core;
using Azure.Core.Pipeline;
using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// The long-lived storage clients, made once and shared. One setting chooses how they connect:
/// <c>AzureWebJobsStorage</c> (a connection string: Azurite locally) or, when it is absent, the
/// account's service URIs with the app's managed identity (<see cref="AppIdentity"/>).
/// </summary>
public sealed class StorageClients
{
    public StorageClients(IConfiguration configuration, IEnumerable<HttpPipelinePolicy>? queuePolicies = null, StorageCallCounter? counter = null)
    {
        string Name(string setting, string fallback) => configuration[setting] is { Length: > 0 } value ? value : fallback;
        var queueName = Name(SettingNames.QueueName, "referrals");
        var urgentName = Name(SettingNames.UrgentQueueName, "referrals-urgent");
        var deliveryName = Name(SettingNames.DeliveryQueueName, "deliveries");
        var containerName = configuration[SettingNames.ContainerName] is { Length: > 0 } c ? c : "referrals";

        // Polly owns retries at intake (IntakeResilience); the SDK's own retries would hide an outage
        // behind a long wait, so they are kept short.
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var blobOptions = new BlobClientOptions();
        foreach (var retry in new[] { queueOptions.Retry, blobOptions.Retry })
        {
            retry.MaxRetries = 1;
            retry.Delay = TimeSpan.FromMilliseconds(100);
            retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        }

        // The scheduled jobs list whole containers: a page of 5,000 blobs may take longer than a report's
        // write is allowed to, and nobody is waiting on it.
        var listingOptions = new BlobClientOptions();
        listingOptions.Retry.MaxRetries = 3;
        listingOptions.Retry.NetworkTimeout = TimeSpan.FromMinutes(2);

        if (counter is not null)
        {
            queueOptions.AddPolicy(counter.For("queue"), HttpPipelinePosition.PerRetry);
            blobOptions.AddPolicy(counter.For("blob"), HttpPipelinePosition.PerRetry);
            listingOptions.AddPolicy(counter.For("blob"), HttpPipelinePosition.PerRetry);
        }

        foreach (var policy in queuePolicies ?? [])
        {
            queueOptions.AddPolicy(policy, HttpPipelinePosition.PerRetry); // tests inject storage faults here
        }

        var connection = configuration[SettingNames.StorageConnection];
        Func<string, QueueClient> queue;
        Func<string, BlobClientOptions, BlobContainerClient> container;
        if (!string.IsNullOrWhiteSpace(connection))
        {
            queue = name => new QueueClient(connection, name, queueOptions);
            container = (name, options) => new BlobContainerClient(connection, name, options);
            UsesDevelopmentStorage = IsDevelopmentStorage(connection);
        }
        else
        {
            var queueUri = RequiredUri(configuration, SettingNames.StorageQueueServiceUri);
            var blobUri = RequiredUri(configuration, SettingNames.StorageBlobServiceUri);
            var credential = AppIdentity.Credential(configuration);
            queue = name => new QueueClient(new Uri(queueUri, name), credential, queueOptions);
            container = (name, options) => new BlobContainerClient(new Uri(blobUri, name), credential, options);
        }

        Container = container(containerName, blobOptions);
        ContainerForListing = container(containerName, listingOptions);
        Feedback = container($"{containerName}-feedback", blobOptions);
        Statistics = container($"{containerName}-statistics", blobOptions);
        HandOff = container($"{containerName}-handoff", blobOptions);

        Queue = queue(queueName);
        PoisonQueue = queue($"{queueName}-poison");
        UrgentQueue = queue(urgentName);
        UrgentPoisonQueue = queue($"{urgentName}-poison");
        DeliveryQueue = queue(deliveryName);
        DeliveryPoisonQueue = queue($"{deliveryName}-poison");
        // On a cold start the first report waits for the first of these: only what a report needs. The
        // feedback and statistics containers are made by their own first use.
        _created = new Once(ct => CreateWhereMissingAsync([Container, HandOff], [Queue, PoisonQueue, UrgentQueue, UrgentPoisonQueue, DeliveryQueue, DeliveryPoisonQueue], ct));
        _publicCreated = new Once(ct => CreateWhereMissingAsync([Feedback, Statistics], [], ct));
    }

    private readonly Once _created, _publicCreated;

    /// <summary>The referrals queue: triage of everything not urgent on its own facts.</summary>
    public QueueClient Queue { get; }

    public QueueClient PoisonQueue { get; }

    /// <summary>The urgent lane: reports that are P1 on their own facts at intake, never behind the others.</summary>
    public QueueClient UrgentQueue { get; }

    public QueueClient UrgentPoisonQueue { get; }

    /// <summary>Scheduled work of the hand-off: a route's next delivery attempt, an escalation check.</summary>
    public QueueClient DeliveryQueue { get; }

    public QueueClient DeliveryPoisonQueue { get; }

    public BlobContainerClient Container { get; }

    /// <summary>The report container for the scheduled jobs' listings: longer timeouts and more retries than intake's.</summary>
    public BlobContainerClient ContainerForListing { get; }

    /// <summary>Feedback on the service ({container}-feedback): kept apart from referrals, with its own role and retention.</summary>
    public BlobContainerClient Feedback { get; }

    /// <summary>The public statistics' aggregate ({container}-statistics): counts only, never a reference or a report.</summary>
    public BlobContainerClient Statistics { get; }

    /// <summary>The hand-off's records by destination ({container}-handoff): each one's health, and the routes waiting for it.</summary>
    public BlobContainerClient HandOff { get; }

    /// <summary>True for Azurite (loopback or the well-known development account): local-only features may run.</summary>
    public bool UsesDevelopmentStorage { get; }

    /// <summary>Creates the container and queues where missing, once per process; a failed try is tried again by the next caller.</summary>
    public Task EnsureCreatedOnceAsync(CancellationToken ct) => _created.RunAsync(ct);

    /// <summary>The feedback and statistics containers, where missing, once per process (locally; in Azure infra makes them).</summary>
    public Task EnsurePublicContainersOnceAsync(CancellationToken ct) => _publicCreated.RunAsync(ct);

    /// <summary>Work done once per process; a failed try is tried again by the next caller.</summary>
    private sealed class Once(Func<CancellationToken, Task> work)
    {
        private Task? _task;

        public async Task RunAsync(CancellationToken ct)
        {
            var running = _task ??= work(CancellationToken.None);
            try
            {
                await running.WaitAsync(ct).ConfigureAwait(false);
            }
            catch when (running.IsFaulted)
            {
                _ = Interlocked.CompareExchange(ref _task, null, running);
                throw;
            }
        }
    }

    /// <summary>Locally (Azurite) the app creates what it uses, all at once. In Azure, infra creates them and
    /// the app's identity may not create: a 403 there is expected and ignored.</summary>
    private static async Task CreateWhereMissingAsync(BlobContainerClient[] containers, QueueClient[] queues, CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(queues.Select(q => (Task)q.CreateIfNotExistsAsync(cancellationToken: ct))
                .Concat(containers.Select(c => (Task)c.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: ct))))
                .ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Forbidden)
        {
        }
    }

    private static Uri RequiredUri(IConfiguration configuration, string name) =>
        Uri.TryCreate(configuration[name], UriKind.Absolute, out var uri)
            ? new Uri(uri.ToString().TrimEnd('/') + "/")
            : throw new InvalidOperationException(
                $"Storage is not configured: set {SettingNames.StorageConnection} (a connection string) or {name} (identity).");

    private static bool IsDevelopmentStorage(string connection) =>
        connection.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase)
        || connection.Contains("AccountName=devstoreaccount1", StringComparison.OrdinalIgnoreCase)
        || connection.Contains("://127.0.0.1", StringComparison.Ordinal)
        || connection.Contains("://localhost", StringComparison.OrdinalIgnoreCase);
}
