using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Api;

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

        var found = ApiKeys.Find(key.ToString(), forces.All, f => f.KeySha256)?.Id;
        return Task.FromResult(found is null
            ? AuthenticateResult.Fail("No force has this key.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, found)], SchemeName)), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Problems.Unauthorized().ExecuteAsync(Context);
}

/// <summary>The forces (and CEOP) with a key for the force API, from Forces__{forceId}__KeySha256, read once.</summary>
public sealed class ForceKeys(IConfiguration configuration)
{
    public IReadOnlyList<ForceKey> All { get; } = [.. configuration.GetSection("Forces").GetChildren()
        .Where(f => f["KeySha256"] is { Length: 64 })
        .Select(f => new ForceKey(f.Key, Convert.FromHexString(f["KeySha256"]!)))];
}

public sealed record ForceKey(string Id, byte[] KeySha256);
