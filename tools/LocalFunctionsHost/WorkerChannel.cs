using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace LocalFunctionsHost;

/// <summary>
/// The host's end of the worker's gRPC event stream (FunctionRpc.proto). The worker connects and sends
/// StartStream; the host answers with WorkerInitRequest, asks for the function list (the worker indexes its
/// own functions), loads each function, and from then on sends InvocationRequests and reads
/// InvocationResponses. The triggers wait for <see cref="ReadyAsync"/>; when the worker goes, the session
/// fails every invocation in flight and the triggers wait for the next one.
/// </summary>
internal sealed partial class WorkerChannel(HostSettings settings, ILogger<WorkerChannel> log) : FunctionRpc.FunctionRpcBase, IDisposable
{
    private readonly object _gate = new();
    private TaskCompletionSource<WorkerSession> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IReadOnlyList<WorkerFunction>> _functions = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();

    /// <summary>The session with the running worker, once it has loaded its functions.</summary>
    public Task<WorkerSession> ReadyAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            return _ready.Task.WaitAsync(ct);
        }
    }

    /// <summary>The functions the first worker reported: the triggers are built from them once.</summary>
    public Task<IReadOnlyList<WorkerFunction>> Functions => _functions.Task;

    /// <summary>Set when the worker process has gone, so a stream that never opened does not hold anyone up.</summary>
    public void WorkerExited()
    {
        lock (_gate)
        {
            if (_ready.Task.IsCompleted)
            {
                _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Ends every stream from the host's side, once the worker has been stopped: a worker in another
    /// process closes its connection as it exits, one embedded in a test's process may not, and the web server's
    /// stop would wait for the open stream.</summary>
    public void CloseStreams() => _closing.Cancel();

    public void Dispose() => _closing.Dispose();

    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false) || requestStream.Current.StartStream is null)
        {
            LogProtocol(log, "the worker's first message was not StartStream");
            return;
        }

        var workerId = requestStream.Current.StartStream.WorkerId;
        var session = new WorkerSession(responseStream, log);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _closing.Token);
        var reading = session.ReadAsync(requestStream, ended.Token);
        try
        {
            var functions = await session.StartAsync(settings.ScriptRoot, context.CancellationToken).ConfigureAwait(false);
            _functions.TrySetResult(functions);
            lock (_gate)
            {
                if (_ready.Task.IsCompleted)
                {
                    _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                _ready.SetResult(session);
            }

            LogReady(log, workerId, functions.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogProtocol(log, "the worker did not start: " + e.Message);
        }

        await reading.ConfigureAwait(false); // the stream stays open until the worker goes
        WorkerExited();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {WorkerId} is ready with {Count} functions")]
    private static partial void LogReady(ILogger logger, string workerId, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker protocol: {What}")]
    private static partial void LogProtocol(ILogger logger, string what);
}

/// <summary>One connected worker: its stream, its capabilities and the replies the host awaits.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim that never hands out its wait handle holds nothing to free; in-flight invocations may still touch the session after its stream ends.")]
internal sealed partial class WorkerSession(IServerStreamWriter<StreamingMessage> stream, ILogger log)
{
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _awaiting = new();
    private volatile bool _closed;

    /// <summary>Where the worker's own Kestrel listens (the "HttpUri" capability of ASP.NET Core integration).</summary>
    public Uri? HttpUri { get; private set; }

    public async Task<IReadOnlyList<WorkerFunction>> StartAsync(string scriptRoot, CancellationToken ct)
    {
        var init = new WorkerInitRequest { HostVersion = "4.0.0-local", WorkerDirectory = scriptRoot, FunctionAppDirectory = scriptRoot };
        init.Capabilities["RpcHttpBodyOnly"] = "true";
        var initResponse = (await SendAndAwaitAsync("init", new StreamingMessage { WorkerInitRequest = init }, ct).ConfigureAwait(false)).WorkerInitResponse;
        EnsureSuccess(initResponse.Result, "WorkerInitRequest");
        if (initResponse.Capabilities.TryGetValue("HttpUri", out var httpUri))
        {
            HttpUri = new Uri(httpUri);
        }

        var metadata = (await SendAndAwaitAsync("metadata", new StreamingMessage
        {
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = scriptRoot },
        }, ct).ConfigureAwait(false)).FunctionMetadataResponse;
        EnsureSuccess(metadata.Result, "FunctionsMetadataRequest");
        var functions = metadata.FunctionMetadataResults.Select(WorkerFunction.From).ToList();

        foreach (var loading in metadata.FunctionMetadataResults)
        {
            var loaded = (await SendAndAwaitAsync("load:" + loading.FunctionId, new StreamingMessage
            {
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = loading.FunctionId, Metadata = loading },
            }, ct).ConfigureAwait(false)).FunctionLoadResponse;
            EnsureSuccess(loaded.Result, $"FunctionLoadRequest for {loading.Name}");
        }

        return functions;
    }

    /// <summary>Invokes a function and returns the worker's answer; throws if the worker goes first.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken ct)
    {
        try
        {
            return (await SendAndAwaitAsync("invoke:" + request.InvocationId, new StreamingMessage { InvocationRequest = request }, ct).ConfigureAwait(false)).InvocationResponse;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !_closed)
        {
            // As the host does: tell the worker, so the function's cancellation token fires.
            await SendAsync(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId } }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task ReadAsync(IAsyncStreamReader<StreamingMessage> requests, CancellationToken ct)
    {
        try
        {
            while (await requests.MoveNext(ct).ConfigureAwait(false))
            {
                var message = requests.Current;
                var key = message.ContentCase switch
                {
                    StreamingMessage.ContentOneofCase.WorkerInitResponse => "init",
                    StreamingMessage.ContentOneofCase.FunctionMetadataResponse => "metadata",
                    StreamingMessage.ContentOneofCase.FunctionLoadResponse => "load:" + message.FunctionLoadResponse.FunctionId,
                    StreamingMessage.ContentOneofCase.InvocationResponse => "invoke:" + message.InvocationResponse.InvocationId,
                    _ => null,
                };
                if (key is not null && _awaiting.TryRemove(key, out var waiter))
                {
                    waiter.TrySetResult(message);
                }
                else if (message.RpcLog is { } rpcLog)
                {
                    WriteWorkerLog(rpcLog);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went: what it owed us fails below.
        }
        finally
        {
            _closed = true;
            foreach (var key in _awaiting.Keys)
            {
                if (_awaiting.TryRemove(key, out var waiter))
                {
                    waiter.TrySetException(new WorkerGoneException());
                }
            }
        }
    }

    private async Task<StreamingMessage> SendAndAwaitAsync(string key, StreamingMessage message, CancellationToken ct)
    {
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _awaiting[key] = reply;
        if (_closed && _awaiting.TryRemove(key, out _))
        {
            throw new WorkerGoneException();
        }

        try
        {
            await SendAsync(message, ct).ConfigureAwait(false);
            return await reply.Task.WaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _awaiting.TryRemove(key, out _);
        }
    }

    private async Task SendAsync(StreamingMessage message, CancellationToken ct)
    {
        await _writing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await stream.WriteAsync(message, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            throw new WorkerGoneException();
        }
        finally
        {
            _writing.Release();
        }
    }

    private static void EnsureSuccess(StatusResult? result, string what)
    {
        if (result is { Status: StatusResult.Types.Status.Failure })
        {
            throw new InvalidOperationException($"{what} failed: {result.Exception?.Message}");
        }
    }

    private void WriteWorkerLog(RpcLog rpcLog)
    {
        var level = rpcLog.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        // The worker's own log line, as the host shows it: category and message (the app decides what it logs).
        LogWorker(log, level, rpcLog.Category, rpcLog.Message);
    }

    [LoggerMessage(Message = "[worker] {Category}: {Message}")]
    private static partial void LogWorker(ILogger logger, LogLevel level, string category, string message);
}

/// <summary>The worker process ended (or its stream broke) before it answered.</summary>
internal sealed class WorkerGoneException() : Exception("The worker went before it answered.");
