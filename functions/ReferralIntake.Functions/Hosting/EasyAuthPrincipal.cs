using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// The person App Service Authentication (Entra ID, infra/: authsettingsV2) signed in, as the platform
/// passes it in X-MS-CLIENT-PRINCIPAL: their name and app roles (Force.{forceId} for force staff,
/// Operator for the service's operators). Trusted only when EntraId__Enabled is true, which infra sets
/// together with the authentication it deploys: only then does the platform strip that header from
/// what a client sends. Without it the header is ignored.
/// </summary>
public sealed record EasyAuthPrincipal(string? Name, IReadOnlyList<string> Roles)
{
    public const string Header = "X-MS-CLIENT-PRINCIPAL";

    public static bool Enabled(IConfiguration configuration) => configuration.GetValue<bool>("EntraId:Enabled");

    /// <summary>The signed-in person, or null when Entra ID is off, nobody is signed in, or the header is not valid.</summary>
    public static EasyAuthPrincipal? From(HttpRequest request, IConfiguration configuration) =>
        Enabled(configuration) && request.Headers.TryGetValue(Header, out var header) ? Parse(header.ToString()) : null;

    public static EasyAuthPrincipal? Parse(string header)
    {
        try
        {
            var shape = JsonSerializer.Deserialize(Convert.FromBase64String(header), EasyAuthJson.Default.PrincipalShape);
            if (shape?.Claims is not { } claims)
            {
                return null;
            }

            var roleType = shape.RoleType ?? "roles";
            var nameType = shape.NameType ?? "name";
            return new EasyAuthPrincipal(
                claims.FirstOrDefault(c => c.Typ == nameType || c.Typ == "preferred_username")?.Val,
                [.. claims.Where(c => (c.Typ == roleType || c.Typ == "roles") && c.Val is not null).Select(c => c.Val!).Distinct(StringComparer.Ordinal)]);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The header the platform would send for this person (tests, and docs/forces.md's examples).</summary>
    public static string HeaderFor(string name, params string[] roles) => Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(
        new PrincipalShape("aad", [new ClaimShape("name", name), .. roles.Select(r => new ClaimShape("roles", r))], "name", "roles"), EasyAuthJson.Default.PrincipalShape)));
}

/// <summary>The parts of X-MS-CLIENT-PRINCIPAL that matter here.</summary>
public sealed record PrincipalShape(
    [property: JsonPropertyName("auth_typ")] string? AuthType,
    [property: JsonPropertyName("claims")] IReadOnlyList<ClaimShape>? Claims,
    [property: JsonPropertyName("name_typ")] string? NameType,
    [property: JsonPropertyName("role_typ")] string? RoleType);

public sealed record ClaimShape([property: JsonPropertyName("typ")] string? Typ, [property: JsonPropertyName("val")] string? Val);

[JsonSerializable(typeof(PrincipalShape))]
internal sealed partial class EasyAuthJson : JsonSerializerContext;
