using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ReferralIntake.Functions.Telemetry;

/// <summary>
/// OpenTelemetry export, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (it is not, locally). The
/// instrumentation packages are not on the mirror, so ASP.NET Core's and HttpClient's built-in
/// activity sources and meters are subscribed to directly.
/// </summary>
public sealed class TelemetrySetup : IDisposable
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    private readonly TracerProvider? _tracer;
    private readonly MeterProvider? _meter;

    public TelemetrySetup(IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration[EndpointSetting]))
        {
            return;
        }

        var resource = ResourceBuilder.CreateDefault().AddService("referralintake");
        _tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(ReferralTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http")
            .AddOtlpExporter()
            .Build();
        _meter = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(ReferralTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
            .AddOtlpExporter()
            .Build();
    }

    public bool Exporting => _tracer is not null;

    public void Dispose()
    {
        _tracer?.Dispose();
        _meter?.Dispose();
    }
}
