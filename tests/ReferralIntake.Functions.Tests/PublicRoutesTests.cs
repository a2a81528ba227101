using System.Net;
using System.Text;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The Functions host serves only the routes the worker's HTTP functions declare (functions.metadata). Those
/// are the app's real pages and APIs, nothing else: no catch-all, and the queue and timer functions have no
/// HTTP route at all, so a public request can never run triage or a sweep.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PublicRoutesTests(AzuriteFixture azurite)
{
    /// <summary>The queue and timer functions, by name, as paths someone might try.</summary>
    private static readonly string[] TriggerFunctions = [.. FunctionRoute.Functions().Where(f => f.TriggerType != "httpTrigger").Select(f => "/" + f.Name)];

    [Fact]
    public void The_queue_and_timer_functions_are_read_from_the_metadata()
    {
        Assert.Equal(new HashSet<string> { "/TriageReferral", "/TriageUrgentReferral", "/DeliverReferral", "/RetentionSweep", "/StatisticsRefresh" }, new HashSet<string>(TriggerFunctions));
    }

    [Fact]
    public void No_function_declares_a_root_catch_all_route()
    {
        var routes = FunctionRoute.FromMetadata();

        Assert.True(routes.Count > 30, "the HTTP functions were read");
        Assert.All(routes, r => Assert.False(r.Route.TrimStart('/').StartsWith("{*", StringComparison.Ordinal), $"{r.Function} routes '{r.Route}', which takes any path"));
    }

    [Fact]
    public void No_public_route_leads_to_a_queue_or_timer_function()
    {
        var routes = FunctionRoute.FromMetadata();

        var reachable = from path in TriggerFunctions
                        from method in new[] { "GET", "POST" }
                        from route in routes
                        where route.Matches(method, path) || route.Matches(method, path.ToLowerInvariant())
                        select $"{method} {path} through {route.Function} ({route.Route})";

        Assert.Empty(reachable);
    }

    [Fact]
    public async Task A_path_no_function_declares_is_not_found_and_a_trigger_cannot_be_run_over_HTTP()
    {
        using var app = new TestApp(azurite, new() { [TestApp.QueueTriggersOff] = "true" });
        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/TriageReferral") { Content = new StringContent(accepted.Reference, Encoding.UTF8, "text/plain") };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9"); // what the platform's front end adds to every public request
        using var forwarded = await app.Client.SendAsync(request);
        using var swept = await app.Client.PostAsync("/RetentionSweep", null);
        using var elsewhere = await app.Client.GetAsync("/wp-admin/setup.php");

        Assert.Equal(HttpStatusCode.NotFound, forwarded.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, swept.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal("received", (await app.StatusAsync(accepted.Reference))!.Status); // nothing happened to it
    }
}
