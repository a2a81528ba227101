using System.Net;
using System.Net.Sockets;
using LocalFunctionsHost;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// A stand-in for the Azure Functions host, for development and tests where Core Tools cannot be installed
// (README.md beside this file says what it does not do). It starts the worker, speaks FunctionRpc.proto to
// it, serves the HTTP triggers on loopback and runs the queue and timer triggers.
var builder = WebApplication.CreateSlimBuilder(args);
HostSettings settings;
try
{
    settings = HostSettings.Parse(builder.Configuration);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var grpcPort = FreeLoopbackPort();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, settings.HttpPort);
    kestrel.Listen(IPAddress.Loopback, grpcPort, listen => listen.Protocols = HttpProtocols.Http2); // the worker's gRPC stream (h2c)
    kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024; // the Functions host's own limit; the app sets its own
});
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton<AppSettings>();
builder.Services.AddSingleton<GrpcEndpoint>();
builder.Services.AddSingleton<WorkerChannel>();
builder.Services.AddSingleton<HttpTriggers>();
builder.Services.AddSingleton<WorkerProcess>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerProcess>());
builder.Services.AddSingleton<TriggerHost>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TriggerHost>());
builder.Services.AddHttpForwarder();
builder.Services.AddGrpc(o => { o.MaxReceiveMessageSize = null; o.MaxSendMessageSize = null; });

var app = builder.Build();
var http = app.Services.GetRequiredService<HttpTriggers>();
// Until the first worker has reported its functions, a request waits for it (at most a minute) rather than
// meeting an empty route table.
app.Use(async (context, next) =>
{
    if (context.Connection.LocalPort == settings.HttpPort && !http.Mapped.IsCompleted)
    {
        await http.Mapped.WaitAsync(TimeSpan.FromMinutes(1), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }

    await next(context);
});
app.UseRouting();
app.MapGrpcService<WorkerChannel>().RequireHost($"*:{grpcPort}");
((IEndpointRouteBuilder)app).DataSources.Add(http);
app.Lifetime.ApplicationStarted.Register(() =>
    app.Services.GetRequiredService<GrpcEndpoint>().Bound(new Uri($"http://127.0.0.1:{grpcPort}/")));
await app.RunAsync();
return 0;

static int FreeLoopbackPort()
{
    using var probe = new TcpListener(IPAddress.Loopback, 0);
    probe.Start();
    return ((IPEndPoint)probe.LocalEndpoint).Port;
}
