using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
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
public sealed class ForceAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ForceKey";
    public const string Policy = "force";

    public static string ForceId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not a force principal.");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(PartnerAuthentication.KeyHeader, out var key) || key.ToString() is not { Length: > 0 and <= 200 } given)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(given));
        string? found = null;
        foreach (var force in configuration.GetSection("Forces").GetChildren())
        {
            if (force["KeySha256"] is { Length: 64 } hex && CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(hex)))
            {
                found = force.Key;
            }
        }

        return Task.FromResult(found is null
            ? AuthenticateResult.Fail("No force has this key.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, found)], SchemeName)), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Problems.Unauthorized().ExecuteAsync(Context);
}
