using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.ForceView;

/// <summary>
/// The force view in Azure, behind Entra ID sign-in (<see cref="EasyAuthPrincipal"/>): a person's one
/// app role <c>Force.{forceId}</c> says which force's referrals they see. No role, or roles for two
/// forces, is no force.
/// </summary>
public sealed class EntraForceAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ForceViewEntra";
    public const string RolePrefix = "Force.";

    /// <summary>Where the "Sign in with your work account" link goes; back to the list afterwards.</summary>
    public const string SignInPath = "/.auth/login/aad?post_login_redirect_uri=/force/referrals";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (EasyAuthPrincipal.From(Request, configuration) is not { } person)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var forceId = ForceOf(person);
        return Task.FromResult(forceId is null
            ? AuthenticateResult.Fail("Signed in, but with no one Force.{forceId} role.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, forceId)], SchemeName)), SchemeName)));
    }

    /// <summary>The cookie scheme's challenge (the sign-in page) is the one that answers; this one adds nothing.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    /// <summary>The force of the person's one Force.{id} role; null for none or more than one (a person serves one force here).</summary>
    public static string? ForceOf(EasyAuthPrincipal person)
    {
        var forces = person.Roles.Where(r => r.StartsWith(RolePrefix, StringComparison.Ordinal) && r.Length > RolePrefix.Length)
            .Select(r => r[RolePrefix.Length..]).ToList();
        return forces.Count == 1 ? forces[0] : null;
    }
}
