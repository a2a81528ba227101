namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// POST /{FunctionName}: the endpoints by which the Functions host invokes the queue and timer triggers.
/// No function.json routes a public request to them (PublicRoutesTests), and as a second wall each one
/// refuses, as not found, a request that came through the platform's front end (those always carry
/// the front end's forwarding headers, which the host's own invocations never do) or from anywhere
/// but loopback.
/// </summary>
public static class HostTriggers
{
    // X-Original-For: what the forwarded-headers middleware leaves once it has read X-Forwarded-For.
    private static readonly string[] FrontEndHeaders =
        ["X-Forwarded-For", "X-Original-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Original-URL", "X-ARR-LOG-ID", "X-MS-CLIENT-PRINCIPAL"];

    /// <summary>Only the Functions host may call this trigger endpoint; never in the OpenAPI document.</summary>
    public static RouteHandlerBuilder HostOnly(this RouteHandlerBuilder endpoint) => endpoint
        .ExcludeFromDescription()
        .AddEndpointFilter(async (context, next) =>
            FrontEndHeaders.Any(context.HttpContext.Request.Headers.ContainsKey)
                || context.HttpContext.Connection.RemoteIpAddress is not { } caller || !System.Net.IPAddress.IsLoopback(caller) // the host is on loopback
                ? Results.NotFound()
                : await next(context).ConfigureAwait(false));
}
