using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Delivery;

/// <summary>The retry budget and timeouts of every destination's pipeline (settings Delivery__…).</summary>
public sealed class DeliveryOptions
{
    public double PerAttemptTimeoutSeconds { get; set; } = 10;
    public double OverallTimeoutSeconds { get; set; } = 60;
    public int MaxRetries { get; set; } = 3;
    public double RetryBaseDelaySeconds { get; set; } = 1;
    public double BreakSeconds { get; set; } = 30;
    public int BreakerMinimumThroughput { get; set; } = 4;
}

/// <summary>Where a destination's deliveries go: an HTTPS webhook with its signing secret.</summary>
public sealed record Destination(string Id, Uri Url, string Secret);

/// <summary>
/// The configured destinations: Destinations__{id}__Url and __Secret, where id is a force's forceId,
/// "ceop", or "default" (used for any force without its own). Secrets come from settings (Key Vault
/// references in Azure), never from the repo.
/// </summary>
public sealed class Destinations
{
    public const string DefaultId = "default";
    private readonly Dictionary<string, Destination> _byId;

    public Destinations(IConfiguration configuration)
    {
        _byId = configuration.GetSection("Destinations").GetChildren()
            .Where(d => Uri.TryCreate(d["Url"], UriKind.Absolute, out _) && !string.IsNullOrEmpty(d["Secret"]))
            .ToDictionary(d => d.Key, d => new Destination(d.Key, new Uri(d["Url"]!), d["Secret"]!), StringComparer.Ordinal);
    }

    public bool Any => _byId.Count > 0;

    /// <summary>The webhook for a force or CEOP, else the default one, else null (local inbox, or a failure in Azure).</summary>
    public Destination? For(string id) => _byId.GetValueOrDefault(id) ?? _byId.GetValueOrDefault(DefaultId);
}

/// <summary>Whether the local inbox stands in for unconfigured destinations: only against Azurite, standalone.</summary>
public sealed record LocalInboxMode(bool Enabled)
{
    public static LocalInboxMode From(IConfiguration configuration, bool developmentStorage, QueueListenerOptions listener) =>
        new(developmentStorage && listener.Enabled && configuration.GetValue("LocalInbox:Enabled", true));
}
