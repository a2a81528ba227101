using System.Net;
using System.Security.Cryptography;
using System.Text;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Intake;

/// <summary>A partner app allowed to submit, from settings Partners__{id}__….</summary>
/// <param name="KeySha256">The SHA-256 of the partner's API key, hex. Keys themselves are never stored.</param>
/// <param name="LocalOnly">A development partner: its key works only against local storage, from loopback.</param>
/// <param name="CallbackUrl">Where the partner hears each referral's decision and delivery outcomes, signed with <paramref name="CallbackSecret"/>.</param>
/// <param name="Sandbox">A sandbox key: its referrals are triaged exactly as live ones, but never reach a force or CEOP.</param>
public sealed record Partner(string Id, byte[] KeySha256, bool LocalOnly, int RequestsPerMinute, Uri? CallbackUrl, string? CallbackSecret, bool Sandbox = false);

/// <summary>
/// The partners, from settings, and whose key a given key is: every key hash compared in constant time.
/// (Authentication itself is <see cref="PartnerAuthentication"/>; rates are <see cref="RateLimits"/>.)
/// </summary>
public sealed class Partners
{
    public const string WebFormPartnerId = "web-form";
    private readonly IReadOnlyList<Partner> _partners;
    private readonly bool _developmentStorage;

    public Partners(IConfiguration configuration, StorageClients storage)
    {
        _developmentStorage = storage.UsesDevelopmentStorage;
        _partners = [.. configuration.GetSection(SettingNames.Partners).GetChildren()
            .Where(p => p.Key != WebFormPartnerId && p["KeySha256"] is { Length: 64 })
            .Select(p => new Partner(
                p.Key,
                Convert.FromHexString(p["KeySha256"]!),
                bool.TryParse(p["LocalOnly"], out var local) && local,
                int.TryParse(p["RequestsPerMinute"], out var rpm) && rpm > 0 ? rpm : 60,
                Uri.TryCreate(p["CallbackUrl"], UriKind.Absolute, out var callback) ? callback : null,
                p["CallbackSecret"],
                bool.TryParse(p["Sandbox"], out var sandbox) && sandbox))];
    }

    public Partner? Find(string id) => _partners.FirstOrDefault(p => p.Id == id);

    /// <summary>The partner whose key this is, or null. Every partner's hash is compared, in constant time.</summary>
    public Partner? Authenticate(string? apiKey, IPAddress? remote)
    {
        var found = ApiKeys.Find(apiKey, _partners, p => p.KeySha256);
        if (found is { LocalOnly: true } && !(_developmentStorage && remote is not null && IPAddress.IsLoopback(remote)))
        {
            return null; // the development key must not open a real deployment
        }

        return found;
    }

    public static string HashKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
