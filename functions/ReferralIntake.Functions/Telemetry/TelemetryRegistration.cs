using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Telemetry;

/// <summary>
/// OpenTelemetry through the SDK's hosting integration: the app's own source and meter, ASP.NET Core,
/// HttpClient, runtime and Polly instrumentation. Where it goes: Application Insights (the Azure
/// Monitor exporter, with the app's managed identity when Entra ID auth is asked for) when
/// APPLICATIONINSIGHTS_CONNECTION_STRING is set, an OTLP collector when OTEL_EXPORTER_OTLP_ENDPOINT is
/// set, nowhere otherwise (locally). Attributes never carry report content (see ReferralTelemetry).
/// </summary>
public static class TelemetryRegistration
{
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string AppInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AppInsightsAuthSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string ServiceName = "referralintake";

    /// <summary>Polly's own meter (Polly.Extensions): retries, breaker state and timeouts of every pipeline.</summary>
    private const string PollyMeter = "Polly";

    public static void AddReferralTelemetry(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithTracing(t => t
                .AddSource(ReferralTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithMetrics(m => m
                .AddMeter(ReferralTelemetry.Name, PollyMeter)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            otel.UseOtlpExporter();
        }

        if (configuration[AppInsightsSetting] is { Length: > 0 } connectionString)
        {
            // Bicep sets "Authorization=AAD" with local auth off: ingestion then needs the app's identity.
            var useIdentity = configuration[AppInsightsAuthSetting]?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true;
            void Configure(AzureMonitorExporterOptions o)
            {
                o.ConnectionString = connectionString;

                // The exporter samples at 5 traces a second by default; referrals are few and each trace
                // is someone's report, so every one is kept.
                o.TracesPerSecond = null;
                o.SamplingRatio = 1.0F;
                if (useIdentity)
                {
                    o.Credential = AppIdentity.Credential(configuration);
                }
            }

            otel.WithTracing(t => t.AddAzureMonitorTraceExporter(Configure))
                .WithMetrics(m => m.AddAzureMonitorMetricExporter(Configure))
                .WithLogging(l => l.AddAzureMonitorLogExporter(Configure));
        }
    }
}
