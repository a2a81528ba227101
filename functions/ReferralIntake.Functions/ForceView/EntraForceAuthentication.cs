using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ReferralIntake.Functions.ForceView;

/// <summary>
/// The force view in Azure, behind Entra ID sign-in: App Service Authentication (infra/, authsettingsV2)
/// signs the person in with their work account and passes who they are in X-MS-CLIENT-PRINCIPAL. Their
/// app role <c>Force.{forceId}</c> (assigned in Entra ID) says which force's referrals they see.
/// Trusted only when ForceView__EntraId__Enabled is true, which infra sets together with the
/// authentication it deploys: only then does the platform strip that header from what a client sends.
/// </summary>
public sealed class EntraForceAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ForceViewEntra";
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL";
    public const string RolePrefix = "Force.";

    /// <summary>Where the "Sign in with your work account" link goes; back to the list afterwards.</summary>
    public const string SignInPath = "/.auth/login/aad?post_login_redirect_uri=/force/referrals";

    public static bool Enabled(IConfiguration configuration) => configuration.GetValue<bool>("ForceView:EntraId:Enabled");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Enabled(configuration) || !Request.Headers.TryGetValue(PrincipalHeader, out var header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var forceId = ForceFrom(header.ToString());
        return Task.FromResult(forceId is null
            ? AuthenticateResult.Fail("Signed in, but with no Force.{forceId} role.")
            : AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, forceId)], SchemeName)), SchemeName)));
    }

    /// <summary>The cookie scheme's challenge (the sign-in page) is the one that answers; this one adds nothing.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Task.CompletedTask;

    /// <summary>The force of the one Force.{id} role in the platform's principal (base64 JSON); null if none, or more than one, or the header is not valid.</summary>
    public static string? ForceFrom(string header)
    {
        try
        {
            using var principal = JsonDocument.Parse(Convert.FromBase64String(header));
            var roleType = principal.RootElement.TryGetProperty("role_typ", out var rt) ? rt.GetString() : "roles";
            var forces = principal.RootElement.GetProperty("claims").EnumerateArray()
                .Where(c => c.GetProperty("typ").GetString() is { } typ && (typ == roleType || typ == "roles"))
                .Select(c => c.GetProperty("val").GetString())
                .Where(v => v is not null && v.StartsWith(RolePrefix, StringComparison.Ordinal) && v.Length > RolePrefix.Length)
                .Select(v => v![RolePrefix.Length..])
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return forces.Count == 1 ? forces[0] : null; // a person serves one force here
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>For tests and docs: the header the platform would send for a person with these roles.</summary>
    public static string HeaderFor(params string[] roles) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
        new PrincipalShape("aad", [.. roles.Select(r => new ClaimShape("roles", r))], "roles"), EntraJson.Default.PrincipalShape)));
}

/// <summary>The shape of X-MS-CLIENT-PRINCIPAL that matters here.</summary>
public sealed record PrincipalShape(
    [property: System.Text.Json.Serialization.JsonPropertyName("auth_typ")] string AuthType,
    [property: System.Text.Json.Serialization.JsonPropertyName("claims")] IReadOnlyList<ClaimShape> Claims,
    [property: System.Text.Json.Serialization.JsonPropertyName("role_typ")] string RoleType);

public sealed record ClaimShape(
    [property: System.Text.Json.Serialization.JsonPropertyName("typ")] string Typ,
    [property: System.Text.Json.Serialization.JsonPropertyName("val")] string Val);

[System.Text.Json.Serialization.JsonSerializable(typeof(PrincipalShape))]
internal sealed partial class EntraJson : System.Text.Json.Serialization.JsonSerializerContext;
