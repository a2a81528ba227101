using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// A queue trigger outside Azure (one listener per trigger: the two triage lanes and the deliveries
/// queue): keeps the Functions host's contract. Batches of
/// up to 16; each message stays invisible while it is worked on (lease renewed at half-time); success
/// deletes it; failure makes it visible again after the retry delay; on its last try (maxDequeueCount)
/// it moves to &lt;queue&gt;-poison. An empty queue is polled with a doubling back-off up to a ceiling.
/// On shutdown, in-flight messages get a grace period, then are released for another worker. The first
/// poll waits for the app's first answer (FirstResponse), for at most FirstPollDelaySeconds.
/// </summary>
public sealed partial class QueueListener(
    QueueTrigger trigger,
    StorageClients storage,
    IServiceScopeFactory scopes,
    QueueListenerOptions options,
    FirstResponse firstResponse,
    ILogger<QueueListener> log) : BackgroundService
{
    private static readonly TimeSpan MinPolling = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _work = new(); // cancelled only when the grace period ends

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            _work.CancelAfter(TimeSpan.FromSeconds(options.ShutdownGraceSeconds));
        }
        catch (ObjectDisposedException)
        {
            return; // already disposed: nothing in flight
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _work.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // never hold up the host's start (and the first 202) with the first receive
        // Nor contend with the first request: no receive until the app has answered once, or the delay is up.
        await firstResponse.Answered.WaitAsync(TimeSpan.FromSeconds(options.FirstPollDelaySeconds), stoppingToken)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var lease = TimeSpan.FromSeconds(options.LeaseSeconds);
        var delay = MinPolling;
        var inFlight = new HashSet<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            // As the host does: fetch a new batch once in-flight work drops to newBatchThreshold, so one
            // slow message never holds up the rest.
            inFlight.RemoveWhere(t => t.IsCompleted);
            if (inFlight.Count > options.NewBatchThreshold)
            {
                await ((Task)Task.WhenAny(inFlight)).WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            QueueMessage[] batch;
            try
            {
                await storage.EnsureCreatedOnceAsync(stoppingToken).ConfigureAwait(false);
                batch = (await trigger.Queue.ReceiveMessagesAsync(options.BatchSize, lease, stoppingToken).ConfigureAwait(false)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogReceiveFailed(log, e.GetType().Name);
                batch = [];
            }

            if (batch.Length == 0)
            {
                await Pause(delay, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(options.MaxPollingSeconds).Ticks));
                continue;
            }

            delay = MinPolling;
            foreach (var message in batch)
            {
                inFlight.Add(ProcessAsync(message, lease));
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false); // each finishes, or is released when the grace period ends
    }

    private async Task ProcessAsync(QueueMessage message, TimeSpan lease)
    {
        var popReceipt = message.PopReceipt;
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(_work.Token);
        var ct = leaseLost.Token; // the work stops if the grace period ends or the lease is lost
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewLeaseAsync(message, () => popReceipt, r => popReceipt = r, lease, leaseLost, renewing.Token);
        Exception? failure = null;
        try
        {
            using var scope = scopes.CreateScope();
            var function = trigger.Function(scope.ServiceProvider);
            await function.RunAsync(message.Body.ToString(), message.DequeueCount, options.MaxDequeueCount, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }

        try
        {
            if (leaseLost.IsCancellationRequested && !_work.IsCancellationRequested)
            {
                // The lease is gone: another worker may hold the message now. Leave it to them.
                LogLeaseLost(log, trigger.Name, message.MessageId);
            }
            else if (_work.IsCancellationRequested)
            {
                // Shutting down past the grace period: release it for another worker, at once.
                await trigger.Queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            else if (failure is null)
            {
                await trigger.Queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
            }
            else if (message.DequeueCount >= options.MaxDequeueCount)
            {
                // As the host does: copy to <queue>-poison first, then delete, so it is never in neither.
                await trigger.PoisonQueue.SendMessageAsync(message.Body.ToString(), CancellationToken.None).ConfigureAwait(false);
                await trigger.Queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
                LogPoisoned(log, trigger.Name, message.MessageId, message.DequeueCount);
            }
            else
            {
                await trigger.Queue.UpdateMessageAsync(message.MessageId, popReceipt,
                    visibilityTimeout: TimeSpan.FromSeconds(options.RetryDelaySeconds), cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // The lease runs out by itself and the message comes back: nothing is lost.
            LogSettleFailed(log, message.MessageId, e.GetType().Name);
        }
    }

    /// <summary>
    /// Keeps the message invisible while it is worked on: renewed at half-time, and after a failed
    /// renewal (a blip of storage) tried again every second while the lease lasts. When the lease is
    /// lost for good (the message is gone or another worker holds it, or it ran out), the work is cancelled.
    /// </summary>
    private async Task RenewLeaseAsync(QueueMessage message, Func<string> receipt, Action<string> setReceipt, TimeSpan lease,
        CancellationTokenSource leaseLost, CancellationToken ct)
    {
        var leaseUntil = DateTimeOffset.UtcNow + lease;
        var wait = lease / 2;
        try
        {
            while (true)
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
                try
                {
                    var updated = await trigger.Queue.UpdateMessageAsync(message.MessageId, receipt(), visibilityTimeout: lease, cancellationToken: ct).ConfigureAwait(false);
                    setReceipt(updated.Value.PopReceipt);
                    leaseUntil = DateTimeOffset.UtcNow + lease;
                    wait = lease / 2;
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                    LogRenewFailed(log, message.MessageId, "the message is gone or held by another worker");
                    await leaseLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRenewFailed(log, message.MessageId, e.GetType().Name);
                    var left = leaseUntil - DateTimeOffset.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        await leaseLost.CancelAsync().ConfigureAwait(false);
                        return;
                    }

                    wait = left < TimeSpan.FromSeconds(2) ? left / 2 : TimeSpan.FromSeconds(1);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task Pause(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from the queue failed ({Error}); polling again")]
    private static partial void LogReceiveFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Trigger}: message {MessageId} moved to the poison queue after {DequeueCount} tries")]
    private static partial void LogPoisoned(ILogger logger, string trigger, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Trigger}: the lease of message {MessageId} was lost; its work was stopped and the message left to whoever holds it")]
    private static partial void LogLeaseLost(ILogger logger, string trigger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling message {MessageId} failed ({Error}); it will come back when its lease ends")]
    private static partial void LogSettleFailed(ILogger logger, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of message {MessageId} failed ({Error})")]
    private static partial void LogRenewFailed(ILogger logger, string messageId, string error);
}

/// <summary>One queue trigger the standalone listener keeps: its queue, its poison queue and its function.</summary>
public sealed record QueueTrigger(string Name, QueueClient Queue, QueueClient PoisonQueue, Func<IServiceProvider, IQueueFunction> Function);
