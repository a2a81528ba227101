using System.Reflection;
using LocalFunctionsHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// Starts the app's isolated worker inside the test's own process, for the local host to drive over its real
/// gRPC stream: the same <see cref="WorkerProgram"/> the published worker runs, with the host's command line
/// and the test's settings, so a test can read and replace its services (a fake clock, a flaky delivery). The
/// Worker SDK finds its generated parts (the function executor, the metadata, the extensions' start-up code)
/// on the entry assembly, which here is the test runner's, so they are run from the app's assembly instead.
/// </summary>
public sealed class InProcessWorker(Action<FunctionsApplicationBuilder> configure) : IWorkerLauncher
{
    private static readonly Assembly App = typeof(WorkerProgram).Assembly;
    private volatile IHost? _current;
    private readonly TaskCompletionSource<IHost> _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The worker running now.</summary>
    public IHost Current => _current ?? throw new InvalidOperationException("The worker has not started.");

    /// <summary>Resolves with the first worker once it has started, or with why it could not.</summary>
    public Task<IHost> Started => _firstStarted.Task;

    public IRunningWorker Start(WorkerStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        // ASP.NET Core integration reads the app's folder from the process environment (host.json's route prefix).
        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", start.ScriptRoot);
        IHost host;
        try
        {
            // Settings as the worker reads environment variables: Section__Key is Section:Key.
            // The worker reads the host's command line from the process's own (Environment.GetCommandLineArgs), which
            // here is the test runner's: the same switches go in as the settings they map to.
            var settings = start.Settings.Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), (string?)s.Value))
                .Concat(CommandLine(start.Arguments));
            var builder = WorkerProgram.CreateBuilder([.. start.Arguments], settings);
            RunGeneratedStartup(builder);
            ListenOnAPortOfItsOwn(builder);
            configure(builder);
            host = WorkerProgram.Build(builder);
        }
        catch (Exception e)
        {
            _firstStarted.TrySetException(e);
            return new Running(null, Task.FromResult(1));
        }

        _current = host;
        var running = new Running(host, RunAsync(host));
        return running;
    }

    private async Task<int> RunAsync(IHost host)
    {
        try
        {
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _firstStarted.TrySetException(e);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return 1;
        }

        _firstStarted.TrySetResult(host);
        await host.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// ASP.NET Core integration picks the worker's port once per process (a static), which suits one worker per
    /// process; here each worker gets a free loopback port of its own and tells the host so, as the real
    /// integration does, in its HttpUri capability.
    /// </summary>
    private static void ListenOnAPortOfItsOwn(FunctionsApplicationBuilder builder)
    {
        var port = AzuriteFixture.FreePort();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Services.PostConfigure<WorkerOptions>(o => o.Capabilities["HttpUri"] = $"http://127.0.0.1:{port}/");
    }

    private static IEnumerable<KeyValuePair<string, string?>> CommandLine(IReadOnlyList<string> arguments)
    {
        var switches = new Dictionary<string, string>
        {
            ["--functions-uri"] = "Functions:Worker:HostEndpoint",
            ["--functions-request-id"] = "Functions:Worker:RequestId",
            ["--functions-worker-id"] = "Functions:Worker:WorkerId",
            ["--functions-grpc-max-message-length"] = "Functions:Worker:GrpcMaxMessageLength",
        };
        for (var i = 0; i + 1 < arguments.Count; i += 2)
        {
            if (switches.TryGetValue(arguments[i], out var key))
            {
                yield return KeyValuePair.Create(key, (string?)arguments[i + 1]);
            }
        }
    }

    private static void RunGeneratedStartup(FunctionsApplicationBuilder builder)
    {
        if (App.GetCustomAttribute<WorkerExtensionStartupCodeExecutorInfoAttribute>() is { } extensions)
        {
            ((WorkerExtensionStartup)Activator.CreateInstance(extensions.StartupCodeExecutorType)!).Configure(builder);
        }

        foreach (var type in App.GetTypes().Where(t => typeof(IAutoConfigureStartup).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract))
        {
            ((IAutoConfigureStartup)Activator.CreateInstance(type)!).Configure(new ServicesOnly(builder));
        }
    }

    /// <summary>The generated start-up code only registers services; this applies them to the builder at once.</summary>
    private sealed class ServicesOnly(FunctionsApplicationBuilder builder) : IHostBuilder
    {
        public IDictionary<object, object> Properties => builder.Properties;

        public IHostBuilder ConfigureServices(Action<HostBuilderContext, IServiceCollection> configureDelegate)
        {
            ArgumentNullException.ThrowIfNull(configureDelegate);
            configureDelegate(new HostBuilderContext(builder.Properties) { Configuration = builder.Configuration, HostingEnvironment = builder.Environment }, builder.Services);
            return this;
        }

        public IHostBuilder ConfigureHostConfiguration(Action<Microsoft.Extensions.Configuration.IConfigurationBuilder> configureDelegate) => throw new NotSupportedException();

        public IHostBuilder ConfigureAppConfiguration(Action<HostBuilderContext, Microsoft.Extensions.Configuration.IConfigurationBuilder> configureDelegate) => throw new NotSupportedException();

        public IHostBuilder UseServiceProviderFactory<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory) where TContainerBuilder : notnull => throw new NotSupportedException();

        public IHostBuilder UseServiceProviderFactory<TContainerBuilder>(Func<HostBuilderContext, IServiceProviderFactory<TContainerBuilder>> factory) where TContainerBuilder : notnull => throw new NotSupportedException();

        public IHostBuilder ConfigureContainer<TContainerBuilder>(Action<HostBuilderContext, TContainerBuilder> configureDelegate) => throw new NotSupportedException();

        public IHost Build() => throw new NotSupportedException();
    }

    private sealed class Running(IHost? host, Task<int> exited) : IRunningWorker
    {
        public string Description => "in the test's process";

        public Task<int> Exited => exited;

        public async Task StopAsync()
        {
            if (host is not null)
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await host.StopAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        public ValueTask DisposeAsync()
        {
            host?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
