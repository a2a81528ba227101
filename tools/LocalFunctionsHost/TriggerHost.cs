using NCrontab;

namespace LocalFunctionsHost;

/// <summary>
/// Once the first worker has reported its functions: maps the HTTP triggers and starts a listener per queue
/// trigger and a schedule per timer trigger (later workers, after a restart, serve the same list). A trigger
/// type the local host does not serve is named at start, not silently ignored.
/// </summary>
internal sealed partial class TriggerHost(
    WorkerChannel channel, HttpTriggers http, HostSettings settings, AppSettings appSettings, QueueClientSetup queueClients, ILoggerFactory logs, ILogger<TriggerHost> log)
    : BackgroundService
{
    private readonly List<BackgroundService> _triggers = [];
    private Task? _stopped;

    public IReadOnlyList<BackgroundService> Triggers => _triggers;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reported = await channel.Functions.WaitAsync(stoppingToken).ConfigureAwait(false);
        // As in Azure, the app setting AzureWebJobs.<name>.Disabled = true turns a function off: no trigger, no route.
        var functions = reported.Where(f => !IsDisabled(f.Name)).ToList();
        foreach (var disabled in reported.Except(functions))
        {
            LogFunctionDisabled(log, disabled.Name);
        }

        var hostJson = HostJson.Read(settings.ScriptRoot, appSettings);
        http.Map(functions, hostJson.RoutePrefix);
        foreach (var function in functions)
        {
            BackgroundService? trigger;
            try
            {
                trigger = function.TriggerType.ToLowerInvariant() switch
                {
                    "httptrigger" => null,
                    "queuetrigger" => QueueTriggerListener.For(function, appSettings, hostJson.Queues, settings.QueueLease, queueClients, channel, logs.CreateLogger("Queue." + function.Name)),
                    "timertrigger" => TimerTrigger.For(function, appSettings, channel, TimeProvider.System, logs.CreateLogger("Timer." + function.Name)),
                    _ => throw new NotSupportedException($"the local host does not serve '{function.TriggerType}' triggers (HTTP, queue and timer only)"),
                };
                var described = Describe(function, hostJson.RoutePrefix);
                LogFunction(log, function.Name, described);
            }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException or FormatException or CrontabException)
            {
                // As the Functions host does: the function is in error, named with the reason; the others run.
                LogFunctionInError(log, function.Name, e.Message);
                continue;
            }

            if (trigger is not null)
            {
                lock (_triggers)
                {
                    if (_stopped is not null)
                    {
                        return; // the host is stopping: start nothing more
                    }

                    _triggers.Add(trigger);
                }

                await trigger.StartAsync(stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops every trigger, letting in-flight work finish within its grace period; once, however often asked.</summary>
    public Task StopTriggersAsync()
    {
        lock (_triggers)
        {
            return _stopped ??= Task.WhenAll(_triggers.Select(t => t.StopAsync(CancellationToken.None)));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopTriggersAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Describe(WorkerFunction function, string routePrefix) => function.TriggerType.ToLowerInvariant() switch
    {
        "httptrigger" => $"[{string.Join(',', function.Trigger["methods"]?.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()) ?? ["ANY"])}] " +
            $"http://127.0.0.1:{settings.HttpPort}/{(routePrefix.Length > 0 ? routePrefix + "/" : "")}{function.TriggerProperty("route") ?? function.Name}",
        "queuetrigger" => "queueTrigger: " + appSettings.Resolve(function.TriggerProperty("queueName") ?? ""),
        _ => $"{function.TriggerType}: {appSettings.Resolve(function.TriggerProperty("schedule") ?? "")}",
    };

    private bool IsDisabled(string function) =>
        appSettings[$"AzureWebJobs.{function}.Disabled"] is { } value && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Information, Message = "  {Function} is disabled (AzureWebJobs.{Function}.Disabled)")]
    private static partial void LogFunctionDisabled(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Error, Message = "  {Function} is in error and will not run: {Reason}")]
    private static partial void LogFunctionInError(ILogger logger, string function, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "  {Function}: {Trigger}")]
    private static partial void LogFunction(ILogger logger, string function, string trigger);
}
