using System.Text.Json.Nodes;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using ReferralIntake.Functions.ApiReference;
using ReferralIntake.Functions.Telemetry;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// The app as an Azure Functions isolated worker, when a Functions host starts it (Azure, `func start`, or
/// tools/LocalFunctionsHost): every entry point is a [Function] method, the host owns the triggers, and HTTP
/// comes through ASP.NET Core integration. The worker's cross-cutting work (who may call a function, at what
/// rate) is <see cref="FunctionAccessMiddleware"/>, once, for every HTTP function.
/// </summary>
public static class WorkerProgram
{
    /// <summary>A Functions host starts its worker with the address of its gRPC endpoint.</summary>
    public static bool IsStartedByFunctionsHost(string[] args) => args.Contains("--functions-uri", StringComparer.Ordinal);

    public static async Task RunAsync(string[] args)
    {
        using var app = Build(CreateBuilder(args));
        await app.RunAsync().ConfigureAwait(false);
    }

    /// <summary>The worker with every service and middleware registered; a test may add settings first and
    /// replace services after, then <see cref="Build"/>.</summary>
    public static FunctionsApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.ConfigureFunctionsWebApplication();
        builder.UseWhen<FunctionAccessMiddleware>(FunctionAccessMiddleware.IsHttpFunction);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = 1024 * 1024);

        // The host triggers the queues and timers; each queue function is told host.json's maxDequeueCount, so
        // its last try can mark the referral failed before the poison queue.
        builder.Services.AddSingleton(new QueueTriggerOptions(HostJsonMaxDequeueCount(builder.Configuration) ?? 5));
        builder.AddReferralTelemetry();
        // The worker's own span per invocation, in the trace the host started, and the Functions resource; the host
        // then leaves the worker's telemetry to the worker, so nothing is reported twice.
        builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();
        builder.Services.AddReferralIntake(builder.Configuration);
        // The Functions host forwards every request over loopback with YARP, which rewrites Host and sets
        // X-Forwarded-Host and -Proto from what it saw: trusted from the host alone (Edge trusts loopback), they
        // give the worker the address the client used (redirects, the cookies' Secure flag).
        builder.Services.PostConfigure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
            o.ForwardedHeaders |= Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedHost | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto);
        builder.Services.AddSingleton<FunctionAccess>();
        builder.Services.AddSingleton(sp =>
        {
            var reference = new ApiReference.HostedEndpoints(sp);
            reference.MapApiReference();
            return reference;
        });
        return builder;
    }

    public static IHost Build(FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        try
        {
            _ = app.Services.GetRequiredService<Delivery.Destinations>(); // a misconfigured webhook stops the start, with the setting named
            _ = app.Services.GetRequiredService<Links.LinkKeys>();        // so does a missing link key outside local development
        }
        catch
        {
            app.Dispose();
            throw;
        }

        return app;
    }

    /// <summary>host.json's extensions.queues.maxDequeueCount, beside the app (the Functions host reads the same file),
    /// or the app setting that overrides it for the host.</summary>
    private static int? HostJsonMaxDequeueCount(IConfiguration configuration)
    {
        if (int.TryParse(configuration["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"], out var overridden))
        {
            return overridden;
        }

        var path = Path.Combine(configuration["FUNCTIONS_APPLICATION_DIRECTORY"] ?? AppContext.BaseDirectory, "host.json");
        return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))?["extensions"]?["queues"]?["maxDequeueCount"]?.GetValue<int>() : null;
    }
}
