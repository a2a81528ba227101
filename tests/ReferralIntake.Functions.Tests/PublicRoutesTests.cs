using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// In Azure the Functions host forwards only the routes the function.json files declare. Those are the
/// app's real pages and APIs, nothing else: a public request can never reach the endpoints by which the
/// host invokes the queue and timer triggers (/TriageReferral and the rest), and the trigger endpoints
/// refuse a request that came in through the platform's front end.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PublicRoutesTests(AzuriteFixture azurite)
{
    /// <summary>The host's own calls for the non-HTTP triggers (queues, timers): every function folder whose function.json has no HTTP trigger.</summary>
    private static readonly string[] TriggerEndpoints = [.. Directory.GetDirectories(Path.Combine(RepoPaths.Root, "functions", "ReferralIntake.Functions"))
        .Where(d => File.Exists(Path.Combine(d, "function.json")) && !File.ReadAllText(Path.Combine(d, "function.json")).Contains("httpTrigger", StringComparison.Ordinal))
        .Select(d => "/" + Path.GetFileName(d))];

    [Fact]
    public void The_trigger_endpoints_are_read_from_the_repo()
    {
        Assert.Superset(new HashSet<string> { "/TriageReferral", "/TriageUrgentReferral", "/DeliverReferral", "/RetentionSweep", "/StatisticsRefresh" }, new HashSet<string>(TriggerEndpoints));
    }

    [Fact]
    public void No_function_json_declares_a_catch_all_route()
    {
        var routes = FunctionRoute.FromRepo();

        Assert.NotEmpty(routes);
        Assert.All(routes, r => Assert.False(r.Route.TrimStart('/').StartsWith("{*", StringComparison.Ordinal), $"{r.Function} routes '{r.Route}', which takes any path"));
    }

    [Fact]
    public void No_public_route_leads_to_a_trigger_endpoint()
    {
        var routes = FunctionRoute.FromRepo();

        var reachable = from path in TriggerEndpoints
                        from method in new[] { "GET", "POST" }
                        from route in routes
                        where route.Matches(method, path) || route.Matches(method, path.ToLowerInvariant())
                        select $"{method} {path} through {route.Function} ({route.Route})";

        Assert.Empty(reachable);
    }

    [Fact]
    public void Every_page_and_API_the_app_serves_in_Azure_is_declared_by_a_function_json()
    {
        using var app = new TestApp(azurite, new() { ["QueueListener:Enabled"] = "false", ["CustomHandler:MapTriggers"] = "true", ["LocalInbox:Enabled"] = "false", ["EntraId:Enabled"] = "true" });
        var routes = FunctionRoute.FromRepo();
        var served = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !TriggerEndpoints.Contains("/" + e.RoutePattern.RawText!.Trim('/')))
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Path: FunctionRoute.SamplePath(e.RoutePattern.RawText!))))
            .Distinct()
            .ToList();

        var undeclared = served.Where(s => !routes.Any(r => r.Matches(s.Method, s.Path))).Select(s => $"{s.Method} {s.Path}");

        Assert.True(served.Count > 15, "the app's endpoints were read");
        Assert.Empty(undeclared);
    }

    [Fact]
    public async Task A_trigger_endpoint_refuses_a_request_that_came_through_the_front_end()
    {
        using var app = new TestApp(azurite, new() { ["QueueListener:Enabled"] = "false", ["CustomHandler:MapTriggers"] = "true" });
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        var payload = $$$"""{"Data":{"message":"{{{accepted.Reference}}}"},"Metadata":{"DequeueCount":5}}""";

        using var request = new HttpRequestMessage(HttpMethod.Post, "/TriageReferral") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9"); // what the platform's front end adds to every public request
        using var forwarded = await app.Client.SendAsync(request);
        using var sweep = new HttpRequestMessage(HttpMethod.Post, "/RetentionSweep");
        sweep.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var swept = await app.Client.SendAsync(sweep);

        Assert.Equal(HttpStatusCode.NotFound, forwarded.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, swept.StatusCode);
        Assert.Equal("received", (await app.StatusAsync(accepted.Reference))!.Status); // nothing happened to it
    }
}
