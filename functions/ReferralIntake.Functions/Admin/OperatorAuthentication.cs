using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Admin;

/// <summary>
/// Who an operator is. In Azure: a person signed in through Entra ID (<see cref="EasyAuthPrincipal"/>)
/// with the app role <c>Operator</c>, named by their account. In local development only (Azurite): the
/// admin key (X-Admin-Key against Admin__KeySha256), named "admin-key (local development)"; against a
/// real storage account the key opens nothing. Every admin action is recorded with this name.
/// </summary>
public sealed class OperatorAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IConfiguration configuration, StorageClients storage)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Operator";
    public const string Policy = "operator";
    public const string Role = "Operator";
    public const string KeyHeader = "X-Admin-Key";
    public const string LocalKeyName = "admin-key (local development)";

    /// <summary>Whether the operators' API exists here at all: Entra ID on, or the local admin key set against Azurite.</summary>
    public static bool Available(IConfiguration configuration, StorageClients storage) =>
        EasyAuthPrincipal.Enabled(configuration) || LocalKey(configuration, storage) is not null;

    public static string OperatorName(ClaimsPrincipal user) => user.Identity?.Name ?? throw new InvalidOperationException("Not an operator.");

    private static byte[]? LocalKey(IConfiguration configuration, StorageClients storage) =>
        storage.UsesDevelopmentStorage && configuration["Admin:KeySha256"] is { Length: 64 } hex ? Convert.FromHexString(hex) : null;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (EasyAuthPrincipal.From(Request, configuration) is { } person)
        {
            return Task.FromResult(person.Roles.Contains(Role) && !string.IsNullOrWhiteSpace(person.Name)
                ? Success(person.Name!)
                : AuthenticateResult.Fail("Signed in, but not an operator."));
        }

        if (LocalKey(configuration, storage) is { } expected && Request.Headers.TryGetValue(KeyHeader, out var key))
        {
            return Task.FromResult(CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())), expected)
                ? Success(LocalKeyName)
                : AuthenticateResult.Fail("Wrong admin key."));
        }

        return Task.FromResult(AuthenticateResult.NoResult());
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Problems.Unauthorized().ExecuteAsync(Context);

    private static AuthenticateResult Success(string name) => AuthenticateResult.Success(new AuthenticationTicket(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName, ClaimTypes.Name, ClaimTypes.Role)), SchemeName));
}
