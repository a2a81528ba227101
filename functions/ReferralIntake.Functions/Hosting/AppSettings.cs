namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Every setting the app reads, by the name it has in app settings, local.settings.json and the
/// environment. SettingsDriftTests checks these names against local.settings.sample.json, host.json,
/// the worker's functions.metadata and the Bicep.
/// </summary>
public static class SettingNames
{
    /// <summary>A storage connection string (local: Azurite). Absent in Azure, where identity is used.</summary>
    public const string StorageConnection = "AzureWebJobsStorage";

    /// <summary>With identity: the account's queue and blob endpoints (the Functions host's own convention).</summary>
    public const string StorageQueueServiceUri = "AzureWebJobsStorage__queueServiceUri";
    public const string StorageBlobServiceUri = "AzureWebJobsStorage__blobServiceUri";

    /// <summary>With identity: the user-assigned managed identity's client id (the host's convention; the app uses it too).</summary>
    public const string StorageClientId = "AzureWebJobsStorage__clientId";

    public const string QueueName = "ReferralQueueName";
    public const string UrgentQueueName = "UrgentReferralQueueName";
    public const string DeliveryQueueName = "DeliveryQueueName";
    public const string ContainerName = "ReferralContainerName";

    public const string WorkerRuntime = "FUNCTIONS_WORKER_RUNTIME";

    /// <summary>Partner keys: Partners__{partnerId}__KeySha256, __LocalOnly, __RequestsPerMinute.</summary>
    public const string Partners = "Partners";
}

/// <summary>Where a setting must be given: in local.settings.sample.json, in the Bicep app settings, both, or neither (optional everywhere).</summary>
[Flags]
public enum SettingPlace
{
    Optional = 0,
    Local = 1,
    Azure = 2,
    Both = Local | Azure,
}

/// <summary>One setting the app (or the Functions host on its behalf) reads. "{id}" stands for a partner or destination id.</summary>
public sealed record SettingSpec(string Name, SettingPlace RequiredIn, string Purpose);

/// <summary>
/// The catalogue of every setting, checked by SettingsDriftTests against local.settings.sample.json,
/// host.json, the worker's functions.metadata and infra/ (a setting in one and missing from another fails).
/// </summary>
public static class SettingsCatalogue
{
    public static readonly IReadOnlyList<SettingSpec> All =
    [
        new(SettingNames.WorkerRuntime, SettingPlace.Local, "dotnet-isolated (the local Functions host and func start read it); in Azure set by functionAppConfig.runtime on Flex Consumption"),
        new("AzureFunctionsJobHost__{id}", SettingPlace.Optional, "an override of a host.json value, read by the Functions host (locally: a short queue polling interval)"),
        new(SettingNames.StorageConnection, SettingPlace.Local, "connection string (Azurite locally); absent in Azure"),
        new(SettingNames.StorageQueueServiceUri, SettingPlace.Azure, "identity-based storage: queue endpoint"),
        new(SettingNames.StorageBlobServiceUri, SettingPlace.Azure, "identity-based storage: blob endpoint"),
        new("AzureWebJobsStorage__credential", SettingPlace.Azure, "the host's identity-based connection: managedidentity"),
        new(SettingNames.StorageClientId, SettingPlace.Azure, "the user-assigned identity, for the host's storage and the app's ManagedIdentityCredential"),
        new(SettingNames.QueueName, SettingPlace.Both, "the referrals queue"),
        new(SettingNames.UrgentQueueName, SettingPlace.Both, "the urgent lane: P1 on its own facts at intake"),
        new(SettingNames.DeliveryQueueName, SettingPlace.Both, "scheduled delivery attempts and escalation checks"),
        new("HandOff__{id}", SettingPlace.Optional, "retry window, back-off and escalation deadlines (HandOffOptions)"),
        new(SettingNames.ContainerName, SettingPlace.Both, "the report container"),
        new("Partners__{id}__KeySha256", SettingPlace.Both, "a partner's key hash"),
        new("Partners__{id}__RequestsPerMinute", SettingPlace.Both, "a partner's rate"),
        new("Partners__{id}__LocalOnly", SettingPlace.Optional, "the development partner"),
        new("Partners__{id}__Sandbox", SettingPlace.Optional, "a sandbox key: triaged as live, never delivered to a force, swept after a day"),
        new("Partners__{id}__CallbackUrl", SettingPlace.Optional, "a partner's callback"),
        new("Partners__{id}__CallbackSecret", SettingPlace.Optional, "a partner's callback secret"),
        new("Forces__{id}__KeySha256", SettingPlace.Optional, "a force's (or CEOP's) own key hash, for the force API"),
        new("Forces__{id}__LocalOnly", SettingPlace.Optional, "a development force key: Azurite and loopback only"),
        new("Destinations__{id}__Url", SettingPlace.Optional, "a force webhook"),
        new("Destinations__{id}__Pull", SettingPlace.Optional, "true: the force collects its referrals through the force API (no webhook)"),
        new("Destinations__{id}__Secret", SettingPlace.Optional, "a force's signing secret (webhook, or the documents it pulls)"),
        new("Destinations__{id}__SecondarySecret", SettingPlace.Optional, "during a rotation: the other secret, also signed with"),
        new("Destinations__{id}__ForceView", SettingPlace.Optional, "false: a webhook force that does not use the force view (no copy of its documents kept)"),
        new("Links__Key", SettingPlace.Azure, "the secret key of the link index (linked reports; a Key Vault reference); locally a development key stands in"),
        new("Delivery__{id}", SettingPlace.Optional, "delivery budget (DeliveryOptions)"),
        new("IntakeResilience__{id}", SettingPlace.Optional, "intake storage pipeline"),
        new("WebForm__{id}", SettingPlace.Optional, "web form (WebFormOptions)"),
        new("LocalInbox__Enabled", SettingPlace.Optional, "local inbox"),
        new("Edge__{id}", SettingPlace.Optional, "who the client is behind the proxies: ForwardedHops, TrustedProxyNetworks, ClientIpHeader (Edge)"),
        new("EntraId__Enabled", SettingPlace.Optional, "the force view and the operators' API trust App Service Authentication's Entra ID sign-in (set by infra with it)"),
        new("MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", SettingPlace.Optional, "App Service Authentication's Entra ID client secret (read by the platform, not the app)"),
        new("Retention__Days", SettingPlace.Azure, "retention of delivered referrals"),
        new("Admin__KeySha256", SettingPlace.Optional, "the admin key hash: local development (Azurite) only; in Azure operators sign in with Entra ID"),
        new("APPLICATIONINSIGHTS_CONNECTION_STRING", SettingPlace.Azure, "Application Insights, for the host's telemetry and the app's (Azure Monitor exporter)"),
        new("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", SettingPlace.Azure, "Entra ID auth for that telemetry (the managed identity)"),
        new("OTEL_EXPORTER_OTLP_ENDPOINT", SettingPlace.Optional, "the app's OpenTelemetry export"),
    ];
}

/// <summary>What the queue functions must know of the host's queue trigger: its last try (host.json's maxDequeueCount),
/// so that try can mark the referral failed before the message goes to poison.</summary>
public sealed record QueueTriggerOptions(int MaxDequeueCount = 5);
