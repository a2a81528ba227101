using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// One delivery attempt's budget (settings Delivery__…): the in-process retries of one attempt, which
/// ride out a blip of seconds. Anything longer is the hand-off's scheduled retries (HandOff__…), which
/// hold no worker while they wait.
/// </summary>
public sealed class DeliveryOptions
{
    public double PerAttemptTimeoutSeconds { get; set; } = 10;
    public double OverallTimeoutSeconds { get; set; } = 30;
    public int MaxRetries { get; set; } = 2;
    public double RetryBaseDelaySeconds { get; set; } = 1;
    public double BreakSeconds { get; set; } = 30;
    public int BreakerMinimumThroughput { get; set; } = 4;

    /// <summary>How long a worker's claim on a route lasts: longer than one attempt can take.</summary>
    public double ClaimSeconds { get; set; } = 120;

    /// <summary>A failing destination's first probe comes this long after it failed; each probe that fails doubles it, up to <see cref="MaxProbeSeconds"/>.</summary>
    public double FirstProbeSeconds { get; set; } = 2;

    public double MaxProbeSeconds { get; set; } = 300;

    /// <summary>The longest pause a destination's Retry-After is honoured for at once (a longer one is asked again when it ends).</summary>
    public double MaxRetryAfterSeconds { get; set; } = 3600;

    /// <summary>A probe this late is taken as lost (its message gone to poison, say), and another is scheduled.</summary>
    public double ProbeOverdueSeconds { get; set; } = 120;

    /// <summary>How many waiting routes one release takes, in order, before handing the rest to the next release message.</summary>
    public int ReleaseBatch { get; set; } = 16;

    /// <summary>The longest a scheduled message stays hidden before it is looked at again (a later time is reached in hops).</summary>
    public double MaxScheduleHopSeconds { get; set; } = 3600;
}

/// <summary>
/// Where a destination's deliveries go: an HTTPS webhook, signed with its secret (and, during a
/// rotation, a second one); or, with no URL, nowhere: the force pulls the same signed document.
/// </summary>
/// <param name="ForceView">The force also sees its referrals in the force view (and the force API's list and fetch), so each
/// delivered document is kept for it as well (two more writes and a check per referral); false for a force that takes
/// webhooks into its own systems and acknowledges from them. Always true for a force that pulls.</param>
public sealed record Destination(string Id, Uri? Url, string Secret, string? SecondarySecret = null, bool ForceView = true)
{
    /// <summary>The force collects its referrals through the force API instead of taking webhooks.</summary>
    public bool Pull => Url is null;

    public IEnumerable<string> Secrets => SecondarySecret is { Length: > 0 } second ? [Secret, second] : [Secret];
}

/// <summary>
/// The configured destinations: Destinations__{id}__Url (or __Pull=true for a force that collects its
/// referrals through the force API), __Secret and, during a rotation, __SecondarySecret, and __ForceView=false
/// for a webhook force that does not use the force view, where id is a force's forceId, "ceop", or "default" (used for any force without
/// its own). Secrets come from settings (Key Vault references in Azure), never from the repo. A
/// destination that is not a valid HTTPS URL (plain HTTP only on loopback) or has no secret stops the
/// app at start-up with the setting named: a referral must never be sent in clear, nor silently not at all.
/// </summary>
public sealed class Destinations
{
    public const string DefaultId = "default";
    private readonly Dictionary<string, Destination> _byId = new(StringComparer.Ordinal);

    public Destinations(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var d in configuration.GetSection("Destinations").GetChildren())
        {
            var url = d["Url"];
            var pull = string.Equals(d["Pull"], "true", StringComparison.OrdinalIgnoreCase);
            if (pull && url is not null)
            {
                problems.Add($"Destinations__{d.Key} has both a Url and Pull=true: a force either takes webhooks or pulls.");
                continue;
            }

            var forceView = !string.Equals(d["ForceView"], "false", StringComparison.OrdinalIgnoreCase);
            if (pull && !forceView)
            {
                problems.Add($"Destinations__{d.Key} pulls, so it needs its list: ForceView=false is only for a force that takes webhooks.");
                continue;
            }

            Uri? uri = null;
            if (!pull && (!Uri.TryCreate(url, UriKind.Absolute, out uri) || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))))
            {
                problems.Add($"Destinations__{d.Key}__Url must be an https:// URL (plain http only on loopback, for tests); it is '{url}'.");
                continue;
            }

            if (string.IsNullOrEmpty(d["Secret"]))
            {
                problems.Add($"Destinations__{d.Key}__Secret is not set: deliveries to {d.Key} could not be signed.");
                continue;
            }

            _byId[d.Key] = new Destination(d.Key, pull ? null : uri, d["Secret"]!, d["SecondarySecret"], forceView);
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Delivery destinations are misconfigured: " + string.Join(" ", problems));
        }
    }

    public bool Any => _byId.Count > 0;

    /// <summary>The webhook (or pull) for a force or CEOP, else the default one, else null (local inbox, or a failure in Azure).</summary>
    public Destination? For(string id) => _byId.GetValueOrDefault(id) ?? _byId.GetValueOrDefault(DefaultId);
}

/// <summary>Whether the local inbox stands in for unconfigured destinations: only against Azurite (./run.sh), unless LocalInbox:Enabled is false.</summary>
public sealed record LocalInboxMode(bool Enabled)
{
    public static LocalInboxMode From(IConfiguration configuration, bool developmentStorage) =>
        new(developmentStorage && configuration.GetValue("LocalInbox:Enabled", true));
}
