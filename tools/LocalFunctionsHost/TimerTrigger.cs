using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using NCrontab;

namespace LocalFunctionsHost;

/// <summary>
/// One timer trigger on its schedule (a six-field CRON expression with seconds, as the Functions host takes
/// it, parsed with NCrontab as the host does; "%Setting%" resolved). runOnStartup fires it once at start.
/// A run that fails is logged and the next occurrence comes as scheduled. Schedules are in UTC.
/// </summary>
internal sealed partial class TimerTrigger(WorkerFunction function, CrontabSchedule schedule, bool runOnStartup, WorkerChannel channel, TimeProvider time, ILogger log)
    : BackgroundService
{
    public static TimerTrigger For(WorkerFunction function, AppSettings settings, WorkerChannel channel, TimeProvider time, ILogger log)
    {
        var expression = settings.Resolve(function.TriggerProperty("schedule") ?? throw new InvalidOperationException($"{function.Name}: the timer names no schedule."));
        var schedule = CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });
        var runOnStartup = function.Trigger["runOnStartup"]?.GetValue<bool>() ?? false;
        return new TimerTrigger(function, schedule, runOnStartup, channel, time, log);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTime? last = null;
        if (runOnStartup)
        {
            last = await RunAsync(last, isPastDue: false, stoppingToken).ConfigureAwait(false);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = schedule.GetNextOccurrence(now);
            await Task.Delay(next - now, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            last = await RunAsync(last, isPastDue: time.GetUtcNow().UtcDateTime - next > TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task<DateTime> RunAsync(DateTime? last, bool isPastDue, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // The TimerInfo the worker binds, in the shape the host sends.
        var timerInfo = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["Schedule"] = new Dictionary<string, object> { ["AdjustForDST"] = true },
            ["ScheduleStatus"] = new Dictionary<string, object?> { ["Last"] = last ?? DateTime.MinValue, ["Next"] = schedule.GetNextOccurrence(now), ["LastUpdated"] = now },
            ["IsPastDue"] = isPastDue,
        });
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = function.Id, TraceContext = InvocationTrace.Current() };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Json = timerInfo } });
        request.TriggerMetadata[function.TriggerName] = new TypedData { Json = timerInfo };
        try
        {
            var session = await channel.ReadyAsync(ct).ConfigureAwait(false);
            var response = await session.InvokeAsync(request, ct).ConfigureAwait(false);
            if (response.Result?.Status == StatusResult.Types.Status.Failure)
            {
                LogFailed(log, function.Name, response.Result.Exception?.Message ?? "");
            }
        }
        catch (Exception e) when (e is WorkerGoneException or OperationCanceledException)
        {
            LogFailed(log, function.Name, e.GetType().Name);
        }

        return now;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {Function} failed ({Error}); it runs again at its next occurrence")]
    private static partial void LogFailed(ILogger logger, string function, string error);
}
