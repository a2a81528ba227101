namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Standalone, a scheduled job runs on a timer in the app itself (in Azure a timer trigger calls it instead):
/// after <see cref="FirstDelay"/>, then every <see cref="Interval"/>. A failed run is logged and the next one
/// comes at its time; the app does not stop for it.
/// </summary>
public abstract partial class PeriodicService(ILogger log) : BackgroundService
{
    protected abstract string JobName { get; }

    protected abstract TimeSpan Interval { get; }

    protected virtual TimeSpan FirstDelay => TimeSpan.Zero;

    protected abstract Task RunOnceAsync(CancellationToken ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            await Task.Delay(FirstDelay, stoppingToken).ConfigureAwait(false);
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(log, JobName, e.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Job} failed ({Error}); will try at the next interval")]
    private static partial void LogFailed(ILogger logger, string job, string error);
}
