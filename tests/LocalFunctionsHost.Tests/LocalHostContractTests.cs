using System.Globalization;
using System.Net;
using System.Text;

namespace LocalFunctionsHost.Tests;

/// <summary>
/// The local host keeps the Functions host's contract with a real isolated worker it knows nothing about:
/// routes from the worker's own function list, HTTP forwarded with the invocation id, queue triggers with
/// host.json's settings (batches, lease renewal, dequeue count, poison), timers on their schedule, the app
/// settings handed over as func start does, and a worker that dies started again.
/// </summary>
public sealed class LocalHostContractTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private LocalHost Host => fixture.Host;

    [Fact]
    public async Task An_http_trigger_is_served_on_its_route_and_forwarded_with_the_invocation_id_and_the_clients_address()
    {
        var seen = await Host.HelloAsync("world");

        Assert.Equal("hello world", seen.GetProperty("greeting").GetString()); // the route value reached the function
        Assert.True(Guid.TryParse(seen.GetProperty("invocationId").GetString(), out _), "the request carries x-ms-invocation-id");
        Assert.Equal("127.0.0.1", seen.GetProperty("remoteAddress").GetString()); // X-Forwarded-For, applied by the worker
    }

    [Fact]
    public async Task The_body_the_status_and_the_content_type_pass_through_both_ways()
    {
        using var response = await Host.Client.PostAsync("api/echo", new StringContent("a body of the client's", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("a body of the client's", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_route_no_function_has_is_404_and_a_method_the_function_does_not_take_is_refused()
    {
        using var unknown = await Host.Client.GetAsync("api/no-such-function");
        using var wrongMethod = await Host.Client.GetAsync("api/echo");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains(wrongMethod.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
    }

    [Fact]
    public async Task A_function_that_throws_answers_500_and_the_worker_serves_on()
    {
        var before = (await Host.HelloAsync("before")).GetProperty("processId").GetString();

        using var response = await Host.Client.GetAsync("api/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(before, (await Host.HelloAsync("after")).GetProperty("processId").GetString());
    }

    [Fact]
    public async Task Settings_come_from_local_settings_and_a_variable_the_caller_set_wins()
    {
        var seen = await Host.HelloAsync("settings");

        Assert.Equal("from-local-settings", seen.GetProperty("sampleSetting").GetString());
        Assert.Equal("from-environment", seen.GetProperty("overriddenSetting").GetString());
    }

    [Fact]
    public async Task A_queue_message_is_invoked_once_with_its_dequeue_count_and_then_deleted()
    {
        var id = NewId();
        await Host.WorkQueue.SendMessageAsync($"ok:{id}");

        var results = await Host.ResultsForAsync(id, r => r.Count >= 1, Bound);
        await Eventually.TrueAsync(async () => (await Host.WorkQueue.PeekMessagesAsync(32)).Value.Length == 0, Bound, "the message deleted");

        var result = Assert.Single(results);
        Assert.Equal(["1", "done"], result[1..3]);
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_tried_maxDequeueCount_times_then_moved_to_poison()
    {
        var id = NewId();
        await Host.WorkQueue.SendMessageAsync($"fail:{id}");

        await Eventually.TrueAsync(async () => (await Host.PoisonQueue.ExistsAsync()).Value
            && (await Host.PoisonQueue.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString() == $"fail:{id}"), Bound, "the message in the poison queue");
        var tries = await Host.ResultsForAsync(id, r => r.Count >= 3, Bound);

        Assert.Equal(["1", "2", "3"], tries.Select(t => t[1]).Order()); // host.json's maxDequeueCount is 3
        Assert.DoesNotContain((await Host.WorkQueue.PeekMessagesAsync(32)).Value, m => m.Body.ToString() == $"fail:{id}");
    }

    [Fact]
    public async Task Messages_are_taken_in_batches_with_in_flight_work_bounded_by_batchSize_and_newBatchThreshold()
    {
        var ids = Enumerable.Range(0, 16).Select(_ => NewId()).ToList();
        foreach (var id in ids)
        {
            await Host.WorkQueue.SendMessageAsync($"slow:{id}:400");
        }

        var mostInFlight = 0;
        foreach (var id in ids)
        {
            var results = await Host.ResultsForAsync(id, r => r.Any(x => x[2] == "done"), Bound);
            var done = Assert.Single(results, r => r[2] == "done"); // each exactly once
            Assert.Equal("1", done[1]);
            mostInFlight = Math.Max(mostInFlight, int.Parse(done[3], CultureInfo.InvariantCulture));
        }

        Assert.InRange(mostInFlight, 2, 4 + 2); // batchSize 4, newBatchThreshold 2 in the sample's host.json
    }

    [Fact]
    public async Task A_message_worked_on_longer_than_its_lease_keeps_it_and_is_handed_out_once()
    {
        var id = NewId();
        await Host.WorkQueue.SendMessageAsync($"slow:{id}:5000"); // the fixture's lease is 2 s

        var results = await Host.ResultsForAsync(id, r => r.Any(x => x[2] == "done"), Bound);
        await Eventually.TrueAsync(async () => (await Host.WorkQueue.PeekMessagesAsync(32)).Value.All(m => !m.Body.ToString().Contains(id, StringComparison.Ordinal)), Bound, "the message deleted");

        // Had the lease lapsed, a second try would have started (dequeue count 2) and the first one's delete failed.
        Assert.All(results, r => Assert.Equal("1", r[1]));
        Assert.Single(results, r => r[2] == "started");
    }

    [Fact]
    public async Task A_timer_fires_on_its_schedule()
    {
        var ticks = await Host.ResultsForAsync("tick", r => r.Select(t => t[1]).Distinct().Count() >= 2, Bound);

        Assert.True(ticks.Select(t => t[1]).Distinct().Count() >= 2, "two runs, each told its next occurrence");
    }

    [Fact]
    public async Task A_worker_that_dies_is_started_again_and_the_message_it_held_is_done_once_by_the_next()
    {
        var id = NewId();
        await Host.WorkQueue.SendMessageAsync($"slow:{id}:30000");
        var started = await Host.ResultsForAsync(id, r => r.Any(x => x[2] == "started"), Bound);
        var first = int.Parse(started.Single()[3], CultureInfo.InvariantCulture);

        using (var worker = System.Diagnostics.Process.GetProcessById(first))
        {
            worker.Kill(); // mid-message
        }

        // The host starts another worker, which serves HTTP and takes the message again (its second try).
        await Eventually.TrueAsync(async () => await Host.ServingWorkerAsync() is { } now && now != first.ToString(CultureInfo.InvariantCulture), Bound, "a new worker");
        await Host.WorkQueue.SendMessageAsync($"ok:{id}-after");
        var after = await Host.ResultsForAsync($"{id}-after", r => r.Count >= 1, Bound);
        Assert.Equal("done", Assert.Single(after)[2]);
        var retried = await Host.ResultsForAsync(id, r => r.Count(x => x[2] == "started") >= 2, TimeSpan.FromSeconds(90));
        Assert.Equal("2", retried.Last(r => r[2] == "started")[1]);
        Assert.False((await Host.PoisonQueue.ExistsAsync()).Value
            && (await Host.PoisonQueue.PeekMessagesAsync(32)).Value.Any(m => m.Body.ToString().Contains(id, StringComparison.Ordinal)), "nothing lost to poison");
    }

    [Fact]
    public async Task A_worker_that_ends_itself_after_answering_is_replaced()
    {
        var before = (await Host.HelloAsync("before-crash")).GetProperty("processId").GetString();

        using var response = await Host.Client.PostAsync("api/crash", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        await Eventually.TrueAsync(async () => await Host.ServingWorkerAsync() is { } now && now != before, Bound, "a new worker serving");
    }

    private static string NewId() => Guid.NewGuid().ToString("N")[..12];
}

/// <summary>Stopping the host stops its worker: nothing is left running.</summary>
public sealed class LocalHostLifetimeTests : IAsyncLifetime
{
    private readonly ReferralIntake.Functions.Tests.Support.AzuriteFixture _azurite = new();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    [Fact]
    public async Task SIGTERM_stops_the_host_and_its_worker_within_the_grace_period()
    {
        await using var host = await LocalHost.StartAsync(_azurite, TimeSpan.FromSeconds(30));
        var worker = int.Parse((await host.HelloAsync("lifetime")).GetProperty("processId").GetString()!, CultureInfo.InvariantCulture);

        Assert.True(await ProcessStop.TerminateAsync(host.Process, TimeSpan.FromSeconds(30)), "the host stopped in time:\n" + string.Join('\n', host.Output.TakeLast(40)));
        await Eventually.TrueAsync(() => Task.FromResult(!IsRunning(worker)), TimeSpan.FromSeconds(15), "the worker gone");
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
