using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Api;

namespace ReferralIntake.Functions.Intake;

/// <summary>
/// Partner authentication as an ASP.NET Core scheme: the X-Api-Key header, checked against the
/// partners' key hashes (<see cref="Partners.Authenticate"/>). The partner API's route group requires
/// it, so no handler reads the key itself; a missing or wrong key is a 401 problem document.
/// </summary>
public sealed class PartnerAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Partners partners)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PartnerKey";
    public const string Policy = "partner";
    public const string KeyHeader = "X-Api-Key";

    /// <summary>The authenticated partner's id: the principal's name identifier.</summary>
    public static string PartnerId(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not a partner principal.");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(KeyHeader, out var key))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (partners.Authenticate(key, Context.Connection.RemoteIpAddress) is not { } partner)
        {
            return Task.FromResult(AuthenticateResult.Fail("No partner has this key."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, partner.Id)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Problems.Unauthorized().ExecuteAsync(Context);
}
