using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Who the client is, behind the proxies in front of the app. On the isolated worker every request comes
/// from the Functions host on loopback; the platform's front end appends the address it saw to
/// X-Forwarded-For. ASP.NET Core's forwarded-headers handling takes addresses from the right of that
/// chain, and only from proxies it trusts: loopback (the host), and Edge__TrustedProxyNetworks (CIDRs),
/// for at most Edge__ForwardedHops entries (1: the platform's front end). What a client writes on the
/// left of the chain is never used. With Azure Front Door in front (infra/, frontDoor=true), which the
/// app's access restrictions make the only way in, its X-Azure-ClientIP is the client's address
/// (Edge__ClientIpHeader).
/// </summary>
public static class Edge
{
    public static IServiceCollection AddEdge(this IServiceCollection services, IConfiguration configuration) =>
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            o.ForwardLimit = configuration.GetValue("Edge:ForwardedHops", 1);
            o.KnownProxies.Add(IPAddress.Loopback);
            o.KnownProxies.Add(IPAddress.IPv6Loopback);
            foreach (var network in (configuration["Edge:TrustedProxyNetworks"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

    /// <summary>The client's address as the trusted edge saw it.</summary>
    public static string ClientAddress(HttpContext http)
    {
        var header = http.RequestServices.GetRequiredService<IConfiguration>()["Edge:ClientIpHeader"];
        if (header is { Length: > 0 } && http.Request.Headers[header].ToString() is { Length: > 0 and < 64 } fromEdge)
        {
            return fromEdge;
        }

        return http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
