using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace LocalFunctionsHost;

/// <summary>What to run the local host with: its command line, or a test that embeds it.</summary>
public sealed class LocalHostOptions
{
    /// <summary>The worker's build or publish folder (worker.config.json, host.json).</summary>
    public required string ScriptRoot { get; init; }

    public int HttpPort { get; init; } = 7071;

    public TimeSpan QueueLease { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>local.settings.json, whose Values (then the environment) are the app settings.</summary>
    public string? LocalSettingsFile { get; init; }

    /// <summary>The app settings in full, instead of local.settings.json and the environment (a test's own set).</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>How a worker is started; by default a process from worker.config.json, as the Functions host does.</summary>
    public IWorkerLauncher? Launcher { get; init; }

    public Action<ILoggingBuilder>? Logging { get; init; }

    /// <summary>Applied to the options of every queue client the triggers use (a test adds a fault to the pipeline).</summary>
    public Action<Azure.Storage.Queues.QueueClientOptions>? QueueClients { get; init; }
}

/// <summary>
/// The local host as an app: the worker's gRPC endpoint on a free loopback port (h2c), the HTTP triggers on
/// <see cref="LocalHostOptions.HttpPort"/>, the worker started and restarted, the triggers run.
/// </summary>
public static class LocalHost
{
    public static WebApplication Build(LocalHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = new HostSettings(Path.GetFullPath(options.ScriptRoot), options.HttpPort, options.LocalSettingsFile, options.QueueLease);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        var grpcPort = FreeLoopbackPort();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, settings.HttpPort);
            kestrel.Listen(IPAddress.Loopback, grpcPort, listen => listen.Protocols = HttpProtocols.Http2); // the worker's gRPC stream (h2c)
            kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024; // the Functions host's own limit; the app sets its own
        });
        builder.Logging.ClearProviders();
        if (options.Logging is { } logging)
        {
            logging(builder.Logging);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Yarp", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(options.Settings is { } given ? new AppSettings(settings, given) : new AppSettings(settings));
        builder.Services.AddSingleton(options.Launcher ?? new ProcessLauncher());
        builder.Services.AddSingleton(new QueueClientSetup(options.QueueClients ?? (_ => { })));
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

            await next(context).ConfigureAwait(false);
        });
        app.UseRouting();
        app.MapGrpcService<WorkerChannel>().RequireHost($"*:{grpcPort}");
        ((IEndpointRouteBuilder)app).DataSources.Add(http);
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Services.GetRequiredService<GrpcEndpoint>().Bound(new Uri($"http://127.0.0.1:{grpcPort}/")));
        return app;
    }

    /// <summary>Resolves once the worker has reported its functions and the HTTP triggers are mapped.</summary>
    public static Task FunctionsMapped(WebApplication app) => app.Services.GetRequiredService<HttpTriggers>().Mapped;

    /// <summary>
    /// A free loopback port below Linux's ephemeral range (32768–60999), so no outgoing connection can take it between
    /// this check and the bind (one did, in a CI run: "address already in use"); random, so hosts started side by side
    /// seldom try the same one.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        for (var tries = 0; tries < 100; tries++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }
}
