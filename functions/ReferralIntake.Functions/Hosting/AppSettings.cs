namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Every setting the app reads, by the name it has in app settings, local.settings.json and the
/// environment. SettingsDriftTests checks these names against local.settings.sample.json, host.json,
/// the function.json files and the Bicep.
/// </summary>
public static class SettingNames
{
    /// <summary>A storage connection string (local: Azurite). Absent in Azure, where identity is used.</summary>
    public const string StorageConnection = "AzureWebJobsStorage";

    /// <summary>With identity: the account's queue and blob endpoints (the Functions host's own convention).</summary>
    public const string StorageQueueServiceUri = "AzureWebJobsStorage__queueServiceUri";
    public const string StorageBlobServiceUri = "AzureWebJobsStorage__blobServiceUri";

    public const string QueueName = "ReferralQueueName";
    public const string ContainerName = "ReferralContainerName";

    /// <summary>Set by the Functions host when the app runs as its custom handler.</summary>
    public const string CustomHandlerPort = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const string WorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";

    /// <summary>Standalone HTTP address (local default http://127.0.0.1:7071).</summary>
    public const string Urls = "ASPNETCORE_URLS";

    /// <summary>Partner keys: Partners__{partnerId}__KeySha256, __LocalOnly, __RequestsPerMinute.</summary>
    public const string Partners = "Partners";

    /// <summary>The standalone queue listener: QueueListener__LeaseSeconds, __RetryDelaySeconds, __MaxPollingSeconds, __Enabled.</summary>
    public const string QueueListener = "QueueListener";
}

/// <summary>How the standalone listener keeps the Functions host's queue-trigger contract.</summary>
public sealed class QueueListenerOptions
{
    /// <summary>Off when the Functions host triggers the function (custom handler).</summary>
    public bool Enabled { get; set; } = true;

    public int BatchSize { get; set; } = 16;

    /// <summary>Fetch the next batch once in-flight messages drop to this many (host default: half the batch).</summary>
    public int NewBatchThreshold { get; set; } = 8;

    /// <summary>The host's maxDequeueCount: after this many failed tries, a message moves to &lt;queue&gt;-poison.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a received message stays invisible; renewed at half-time while it is worked on.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>host.json's visibilityTimeout: how long a failed message waits before it comes back.</summary>
    public double RetryDelaySeconds { get; set; } = 10;

    /// <summary>The ceiling of the polling back-off when the queue is empty (host default 1 minute; short locally).</summary>
    public double MaxPollingSeconds { get; set; } = 2;

    /// <summary>On shutdown, how long in-flight messages may take before they are released back to the queue.</summary>
    public double ShutdownGraceSeconds { get; set; } = 10;
}
