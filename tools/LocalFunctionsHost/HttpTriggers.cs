using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace LocalFunctionsHost;

/// <summary>
/// The HTTP triggers as the Functions host serves them: one route per function (host.json's route prefix and
/// the binding's route and methods), each request sent to the worker as an InvocationRequest and forwarded to
/// the worker's own Kestrel with YARP and the invocation id (ASP.NET Core integration). YARP's default
/// transformer sets X-Forwarded-For/-Proto/-Host from what this host saw, as the real host's does.
/// </summary>
internal sealed partial class HttpTriggers : EndpointDataSource, IDisposable
{
    private const string InvocationIdHeader = "x-ms-invocation-id";
    private static readonly TimeSpan InvocationEndTimeout = TimeSpan.FromSeconds(15);
    private readonly object _gate = new();
    private readonly WorkerChannel _channel;
    private readonly IHttpForwarder _forwarder;
    private readonly ILogger<HttpTriggers> _log;
    private readonly HttpMessageInvoker _invoker;
    private CancellationTokenSource _changed = new();
    private IReadOnlyList<Endpoint> _endpoints = [];
    private readonly TaskCompletionSource _mapped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HttpTriggers(WorkerChannel channel, IHttpForwarder forwarder, ILogger<HttpTriggers> log)
    {
        _channel = channel;
        _forwarder = forwarder;
        _log = log;
        // As the real host: no redirects followed, no cookies kept, and the first connection retried (the
        // worker's Kestrel may not be listening yet when its first function is loaded).
        _invoker = new HttpMessageInvoker(new RetryFirstConnection(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
        }));
    }

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints;

    /// <summary>Done once the worker's HTTP functions are mapped.</summary>
    public Task Mapped => _mapped.Task;

    public void Dispose()
    {
        _invoker.Dispose();
        _changed.Dispose();
    }

    public override IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    /// <summary>Maps the worker's HTTP functions, once, from the list it reported.</summary>
    public void Map(IEnumerable<WorkerFunction> functions, string routePrefix)
    {
        var endpoints = new List<Endpoint>();
        foreach (var function in functions.Where(f => f.Is("httpTrigger")))
        {
            var route = function.TriggerProperty("route") ?? function.Name;
            var pattern = RoutePatternFactory.Parse(string.IsNullOrEmpty(routePrefix) ? route : $"{routePrefix}/{route}");
            var methods = function.Trigger["methods"]?.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()).ToList();
            var builder = new RouteEndpointBuilder(context => InvokeAsync(context, function), pattern, 0) { DisplayName = function.Name };
            if (methods is { Count: > 0 })
            {
                builder.Metadata.Add(new HttpMethodMetadata(methods));
            }

            endpoints.Add(builder.Build());
        }

        lock (_gate)
        {
            _endpoints = endpoints;
            var changed = _changed;
            _changed = new CancellationTokenSource();
            changed.Cancel();
        }

        _mapped.TrySetResult();
    }

    private async Task InvokeAsync(HttpContext context, WorkerFunction function)
    {
        WorkerSession session;
        try
        {
            session = await _channel.ReadyAsync(context.RequestAborted).WaitAsync(TimeSpan.FromSeconds(60), context.RequestAborted).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable; // no worker: the host's own answer
            return;
        }

        if (session.HttpUri is null)
        {
            throw new InvalidOperationException("The worker has HTTP triggers but did not report an HttpUri: is ASP.NET Core integration (ConfigureFunctionsWebApplication) on?");
        }

        var invocationId = Guid.NewGuid().ToString();
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.Id,
            TraceContext = InvocationTrace.Current(),
        };
        // With proxying the HTTP input is an empty RpcHttp; the route values go as trigger metadata.
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is not null)
            {
                request.TriggerMetadata[name] = new TypedData { String = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var invocation = session.InvokeAsync(request, ended.Token);
        context.Request.Headers[InvocationIdHeader] = invocationId;
        var error = await _forwarder.SendAsync(context, session.HttpUri.ToString(), _invoker, ForwarderRequestConfig.Empty, BehindTheFrontEnd.Instance).ConfigureAwait(false);

        InvocationResponse? response = null;
        try
        {
            ended.CancelAfter(InvocationEndTimeout);
            response = await invocation.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WorkerGoneException)
        {
            LogInvocationLost(_log, function.Name, invocationId, e.GetType().Name);
        }

        if (response?.Result is { Status: StatusResult.Types.Status.Failure } failed)
        {
            LogInvocationFailed(_log, function.Name, invocationId, failed.Exception?.Message ?? "");
        }

        if (context.Response.HasStarted)
        {
            return;
        }

        if (error is not ForwarderError.None || response is null || response.Result?.Status == StatusResult.Types.Status.Failure)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError; // as the host: a failed invocation is a 500
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} (invocation {InvocationId}) failed: {Error}")]
    private static partial void LogInvocationFailed(ILogger logger, string function, string invocationId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} (invocation {InvocationId}) did not end: {Reason}")]
    private static partial void LogInvocationLost(ILogger logger, string function, string invocationId, string reason);

    /// <summary>Retries a refused connection a few times, briefly: the worker's Kestrel may still be starting.</summary>
    private sealed class RetryFirstConnection(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < 10)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}

/// <summary>
/// YARP's default transform (X-Forwarded-For, -Host and -Proto set from what the host saw), except that an
/// X-Forwarded-For the request already carries is passed on as it came. In Azure the platform's front end
/// writes that header, with the client's address last, before the host sees the request; locally the caller
/// plays the front end (a test, or a proxy in front of the local host). Without one, the loopback address is set.
/// </summary>
internal sealed class BehindTheFrontEnd : HttpTransformer
{
    public static readonly BehindTheFrontEnd Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        if (httpContext.Request.Headers.TryGetValue("X-Forwarded-For", out var given))
        {
            proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For", (IEnumerable<string>)given!);
        }
    }
}
