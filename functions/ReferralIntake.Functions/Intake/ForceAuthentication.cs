using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Intake;

/// <summary>
/// A police force's (or CEOP's) own key: X-Api-Key against Forces__{forceId}__KeySha256, compared in
/// constant time. A separate scheme from partners', so a partner key is never a force key nor the
/// reverse; the force API's route group requires it.
/// </summary>
public sealed class ForceAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ForceKeys forces)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ForceKey";
    public const string Policy = "force";

    public static string ForceId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not a force principal.");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(PartnerAuthentication.KeyHeader, out var key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var found = forces.Authenticate(key.ToString(), Context.Connection.RemoteIpAddress);
        return Task.FromResult(found is null
            ? AuthenticateResult.Fail("No force has this key.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, found)], SchemeName)), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Problems.Unauthorized().ExecuteAsync(Context);
}

/// <summary>
/// The forces (and CEOP) with a key for the force API and the force view, from Forces__{forceId}__KeySha256, read
/// once. __LocalOnly=true marks a development key (local.settings.sample.json's): it opens nothing unless storage
/// is Azurite and the caller is on loopback, as the development partner's.
/// </summary>
public sealed class ForceKeys(IConfiguration configuration, StorageClients storage)
{
    public IReadOnlyList<ForceKey> All { get; } = [.. configuration.GetSection("Forces").GetChildren()
        .Where(f => f["KeySha256"] is { Length: 64 })
        .Select(f => new ForceKey(f.Key, Convert.FromHexString(f["KeySha256"]!), bool.TryParse(f["LocalOnly"], out var local) && local))];

    /// <summary>The id of the force whose key this is, or null. Every force's hash is compared, in constant time.</summary>
    public string? Authenticate(string? key, IPAddress? remote) =>
        ApiKeys.Find(key, All, f => f.KeySha256) is { } found
        && (!found.LocalOnly || (storage.UsesDevelopmentStorage && remote is not null && IPAddress.IsLoopback(remote)))
            ? found.Id
            : null; // a development key must not open a real deployment
}

public sealed record ForceKey(string Id, byte[] KeySha256, bool LocalOnly = false);
