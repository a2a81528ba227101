using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.TriageReferral;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// The queue trigger outside Azure: keeps the Functions host's contract for TriageReferral. Batches of
/// up to 16; each message stays invisible while it is worked on (lease renewed at half-time); success
/// deletes it; failure makes it visible again after the retry delay; on its last try (maxDequeueCount)
/// it moves to &lt;queue&gt;-poison. An empty queue is polled with a doubling back-off up to a ceiling.
/// On shutdown, in-flight messages get a grace period, then are released for another worker.
/// </summary>
public sealed partial class QueueListener(
    StorageClients storage,
    IServiceScopeFactory scopes,
    QueueListenerOptions options,
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
                batch = (await storage.Queue.ReceiveMessagesAsync(options.BatchSize, lease, stoppingToken).ConfigureAwait(false)).Value;
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
        var ct = _work.Token;
        var popReceipt = message.PopReceipt;
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewLeaseAsync(message, () => popReceipt, r => popReceipt = r, lease, renewing.Token);
        Exception? failure = null;
        try
        {
            using var scope = scopes.CreateScope();
            var function = scope.ServiceProvider.GetRequiredService<TriageReferralFunction>();
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
            if (ct.IsCancellationRequested)
            {
                // Shutting down past the grace period: release it for another worker, at once.
                await storage.Queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            else if (failure is null)
            {
                await storage.Queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
            }
            else if (message.DequeueCount >= options.MaxDequeueCount)
            {
                // As the host does: copy to <queue>-poison first, then delete, so it is never in neither.
                await storage.PoisonQueue.SendMessageAsync(message.Body.ToString(), CancellationToken.None).ConfigureAwait(false);
                await storage.Queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
                LogPoisoned(log, message.MessageId, message.DequeueCount);
            }
            else
            {
                await storage.Queue.UpdateMessageAsync(message.MessageId, popReceipt,
                    visibilityTimeout: TimeSpan.FromSeconds(options.RetryDelaySeconds), cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // The lease runs out by itself and the message comes back: nothing is lost.
            LogSettleFailed(log, message.MessageId, e.GetType().Name);
        }
    }

    private async Task RenewLeaseAsync(QueueMessage message, Func<string> receipt, Action<string> setReceipt, TimeSpan lease, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(lease / 2, ct).ConfigureAwait(false);
                var updated = await storage.Queue.UpdateMessageAsync(message.MessageId, receipt(), visibilityTimeout: lease, cancellationToken: ct).ConfigureAwait(false);
                setReceipt(updated.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            LogRenewFailed(log, message.MessageId, e.GetType().Name);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} moved to the poison queue after {DequeueCount} tries")]
    private static partial void LogPoisoned(ILogger logger, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling message {MessageId} failed ({Error}); it will come back when its lease ends")]
    private static partial void LogSettleFailed(ILogger logger, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of message {MessageId} failed ({Error})")]
    private static partial void LogRenewFailed(ILogger logger, string messageId, string error);
}
