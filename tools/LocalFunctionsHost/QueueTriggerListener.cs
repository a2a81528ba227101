using System.Globalization;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace LocalFunctionsHost;

/// <summary>
/// One queue trigger, as the Functions host runs it with host.json's "extensions.queues": batches of
/// batchSize; a new batch once in-flight work drops to newBatchThreshold; each message stays invisible while
/// it is worked on (the lease renewed at half-time); success deletes it; failure makes it visible again after
/// visibilityTimeout; on its last try (maxDequeueCount) it moves to &lt;queue&gt;-poison. An empty queue is
/// polled with a doubling back-off from 100 ms up to maxPollingInterval. On the host's stop, in-flight
/// messages get a grace period, then are released at once for another instance.
/// </summary>
internal sealed partial class QueueTriggerListener(
    WorkerFunction function, QueueClient queue, QueueClient poison, QueueSettings settings, TimeSpan lease, WorkerChannel channel, ILogger log)
    : BackgroundService
{
    private static readonly TimeSpan MinPolling = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _work = new(); // cancelled only when the grace period ends

    public string QueueName => queue.Name;

    public static QueueTriggerListener For(WorkerFunction function, AppSettings appSettings, QueueSettings settings, TimeSpan lease, QueueClientSetup setup, WorkerChannel channel, ILogger log)
    {
        var name = appSettings.Resolve(function.TriggerProperty("queueName") ?? throw new InvalidOperationException($"{function.Name}: the queue trigger names no queue."));
        var connectionName = function.TriggerProperty("connection") is { Length: > 0 } c ? c : "AzureWebJobsStorage";
        var connection = appSettings[connectionName] ?? appSettings["AzureWebJobs" + connectionName]
            ?? throw new InvalidOperationException($"{function.Name}: the connection setting '{connectionName}' is not set (the local host takes connection strings only).");
        var options = new QueueClientOptions { MessageEncoding = settings.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None };
        setup.Configure(options);
        return new QueueTriggerListener(function, new QueueClient(connection, name, options), new QueueClient(connection, name + "-poison", options), settings, lease, channel, log);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            _work.CancelAfter(ShutdownGrace);
        }
        catch (ObjectDisposedException)
        {
            return;
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
        await Task.Yield();
        var delay = MinPolling;
        var inFlight = new HashSet<Task>();
        var created = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            inFlight.RemoveWhere(t => t.IsCompleted);
            if (inFlight.Count > settings.NewBatchThreshold)
            {
                await ((Task)Task.WhenAny(inFlight)).WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            QueueMessage[] batch;
            try
            {
                await channel.ReadyAsync(stoppingToken).ConfigureAwait(false); // no worker, no receive: the messages stay safe in the queue
                if (!created)
                {
                    await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
                    created = true;
                }

                batch = (await queue.ReceiveMessagesAsync(settings.BatchSize, lease, stoppingToken).ConfigureAwait(false)).Value;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogReceiveFailed(log, queue.Name, e.GetType().Name);
                batch = [];
            }

            if (batch.Length == 0)
            {
                await Task.Delay(delay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Math.Max(settings.MaxPollingInterval.Ticks, MinPolling.Ticks)));
                continue;
            }

            delay = MinPolling;
            foreach (var message in batch)
            {
                inFlight.Add(ProcessAsync(message));
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false); // each finishes, or is released when the grace period ends
    }

    private async Task ProcessAsync(QueueMessage message)
    {
        var popReceipt = message.PopReceipt;
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(_work.Token);
        var ct = leaseLost.Token; // the work stops if the grace period ends or the lease is lost
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewLeaseAsync(message, () => popReceipt, r => popReceipt = r, leaseLost, renewing.Token);
        string? failure = null;
        try
        {
            var session = await channel.ReadyAsync(ct).ConfigureAwait(false);
            var response = await session.InvokeAsync(Invocation(message), ct).ConfigureAwait(false);
            if (response.Result?.Status == StatusResult.Types.Status.Failure)
            {
                failure = response.Result.Exception?.Message ?? "the function failed";
            }
        }
        catch (Exception e)
        {
            failure = e is WorkerGoneException ? "the worker went" : e.GetType().Name;
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
                LogLeaseLost(log, function.Name, message.MessageId); // another instance may hold it now
            }
            else if (_work.IsCancellationRequested)
            {
                await queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            else if (failure is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
            }
            else if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                // As the host does: copy to <queue>-poison first, then delete, so it is never in neither.
                await poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
                await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
                await queue.DeleteMessageAsync(message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
                LogPoisoned(log, function.Name, message.MessageId, message.DequeueCount);
            }
            else
            {
                LogFailed(log, function.Name, message.MessageId, message.DequeueCount, failure);
                await queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            LogSettleFailed(log, message.MessageId, e.GetType().Name); // the lease runs out by itself and the message comes back
        }
    }

    /// <summary>The message as the queue trigger's input, and the trigger metadata the host sends with it.</summary>
    private InvocationRequest Invocation(QueueMessage message)
    {
        var request = new InvocationRequest
        {
            InvocationId = Guid.NewGuid().ToString(),
            FunctionId = function.Id,
            TraceContext = InvocationTrace.Current(),
        };
        var body = message.Body.ToString();
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { String = body } });
        request.TriggerMetadata["QueueTrigger"] = new TypedData { String = body };
        request.TriggerMetadata["Id"] = new TypedData { String = message.MessageId };
        request.TriggerMetadata["PopReceipt"] = new TypedData { String = message.PopReceipt };
        request.TriggerMetadata["DequeueCount"] = new TypedData { Json = message.DequeueCount.ToString(CultureInfo.InvariantCulture) };
        request.TriggerMetadata["InsertionTime"] = new TypedData { Json = Quoted(message.InsertedOn) };
        request.TriggerMetadata["ExpirationTime"] = new TypedData { Json = Quoted(message.ExpiresOn) };
        request.TriggerMetadata["NextVisibleTime"] = new TypedData { Json = Quoted(message.NextVisibleOn) };
        return request;

        static string Quoted(DateTimeOffset? time) => time is { } t ? $"\"{t.ToString("O", CultureInfo.InvariantCulture)}\"" : "null";
    }

    /// <summary>
    /// Keeps the message invisible while it is worked on: renewed at half-time, and after a failed renewal (a
    /// blip of storage) tried again every second while the lease lasts. When the lease is lost for good (the
    /// message is gone or another instance holds it, or it ran out), the work is cancelled.
    /// </summary>
    private async Task RenewLeaseAsync(QueueMessage message, Func<string> receipt, Action<string> setReceipt, CancellationTokenSource leaseLost, CancellationToken ct)
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
                    var updated = await queue.UpdateMessageAsync(message.MessageId, receipt(), visibilityTimeout: lease, cancellationToken: ct).ConfigureAwait(false);
                    setReceipt(updated.Value.PopReceipt);
                    leaseUntil = DateTimeOffset.UtcNow + lease;
                    wait = lease / 2;
                }
                catch (Azure.RequestFailedException e) when (e.Status == 404)
                {
                    LogRenewFailed(log, message.MessageId, "the message is gone or held by another instance");
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from queue {Queue} failed ({Error}); polling again")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: message {MessageId} failed on try {DequeueCount} ({Error}); it will be tried again")]
    private static partial void LogFailed(ILogger logger, string function, string messageId, long dequeueCount, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function}: message {MessageId} moved to the poison queue after {DequeueCount} tries")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId, long dequeueCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: the lease of message {MessageId} was lost; its work was stopped and the message left to whoever holds it")]
    private static partial void LogLeaseLost(ILogger logger, string function, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling message {MessageId} failed ({Error}); it will come back when its lease ends")]
    private static partial void LogSettleFailed(ILogger logger, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of message {MessageId} failed ({Error})")]
    private static partial void LogRenewFailed(ILogger logger, string messageId, string error);
}

/// <summary>What is applied to every queue client the triggers make (nothing, unless a test embeds the host).</summary>
internal sealed record QueueClientSetup(Action<QueueClientOptions> Configure);
