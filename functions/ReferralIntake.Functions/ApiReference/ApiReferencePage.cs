using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;
using Scalar.AspNetCore;

namespace ReferralIntake.Functions.ApiReference;

/// <summary>
/// The API reference for people: Scalar, served from the package itself (no CDN, no fonts or telemetry from
/// elsewhere), over the OpenAPI document. Scalar maps its page and assets as ASP.NET Core endpoints; in the
/// isolated worker those endpoints are kept apart (<see cref="HostedEndpoints"/>) and served from one function.
/// </summary>
public static class ApiReferencePage
{
    public const string Path = "/api/reference";

    public static IEndpointConventionBuilder MapApiReference(this IEndpointRouteBuilder endpoints) => endpoints.MapScalarApiReference(Path, o => o
        .WithTitle("ReferralIntake API reference")
        .WithOpenApiRoutePattern("/api/openapi/{documentName}.json")
        .AddDocument("v1")
        .DisableDefaultFonts()
        .DisableTelemetry()
        .DisableAgent()
        .DisableMcp()
        .HideClientButton()
        .HideDeveloperTools())
        .ExcludeFromDescription();

    [Function("ApiReference")]
    [Access(Caller.Public)]
    public static async Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/reference/{*path}")] HttpRequest request)
    {
        var served = await request.Service<HostedEndpoints>().TryServeAsync(request.HttpContext).ConfigureAwait(false);
        return served ? Results.Empty : Results.NotFound();
    }
}

/// <summary>
/// Endpoints a library maps (Scalar's), held apart from the worker's routing and served from inside a function:
/// the request's path is matched against them here, and the matching endpoint's own delegate answers it.
/// </summary>
public sealed class HostedEndpoints(IServiceProvider services) : IEndpointRouteBuilder
{
    public IServiceProvider ServiceProvider { get; } = services;

    public ICollection<EndpointDataSource> DataSources { get; } = [];

    public IApplicationBuilder CreateApplicationBuilder() => new ApplicationBuilder(ServiceProvider);

    public async Task<bool> TryServeAsync(HttpContext http)
    {
        foreach (var endpoint in DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var values = new RouteValueDictionary();
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if ((methods is null || methods.Contains(http.Request.Method, StringComparer.OrdinalIgnoreCase))
                && new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary()).TryMatch(http.Request.Path, values))
            {
                http.Request.RouteValues = values;
                http.SetEndpoint(endpoint);
                await endpoint.RequestDelegate!(http).ConfigureAwait(false);
                return true;
            }
        }

        return false;
    }
}
