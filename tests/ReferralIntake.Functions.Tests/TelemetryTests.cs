using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// Traces and metrics as the OpenTelemetry SDK exports them: the app's own registration, read with the
/// SDK's InMemory exporter; and the Azure Monitor exporter, wired by the connection string, posting to
/// a loopback ingestion endpoint.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TelemetryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Submit_triage_and_delivery_are_one_trace_tagged_with_the_reference_and_the_counters_move()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var app = new TestApp(azurite, services: s => s
            .ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans))
            .ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics)));

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");
        var tracer = app.Services.GetRequiredService<TracerProvider>();
        var meter = app.Services.GetRequiredService<MeterProvider>();
        await Eventually.TrueAsync(() =>
        {
            tracer.ForceFlush();
            return Task.FromResult(spans.ToArray().Any(s => s.OperationName == "referral.deliver" && Equals(s.GetTagItem(ReferralTelemetry.ReferenceTag), accepted.Reference)));
        }, TimeSpan.FromSeconds(10), "the delivery span");
        meter.ForceFlush();

        // The exporters go on adding (the queue listeners' own spans) while the test reads: read copies.
        var allSpans = spans.ToArray();
        var allMetrics = metrics.ToArray();
        List<Activity> ours = [.. allSpans.Where(s => Equals(s.GetTagItem(ReferralTelemetry.ReferenceTag), accepted.Reference))];

        Assert.Equal(["referral.deliver", "referral.submit", "referral.triage"], ours.Select(s => s.OperationName).Distinct().Order());
        Assert.Single(ours.Select(s => s.TraceId).Distinct()); // one trace, although the queue message is the bare reference
        Assert.Contains(ours, s => s.OperationName == "referral.submit" && s.Parent is not null); // under ASP.NET Core's request span
        Assert.Contains(allSpans, s => s.Source.Name == "Microsoft.AspNetCore"); // the instrumentation packages are on

        var points = allMetrics.SelectMany(m => Points(m).Select(p => (m.Name, Point: p))).ToList();
        Assert.Contains(points, p => p.Name == "referrals.received" && Tag(p.Point, "channel") == "api");
        Assert.Contains(points, p => p.Name == "referrals.triaged" && Tag(p.Point, "priority") == "P2");
        Assert.Contains(points, p => p.Name == "referrals.routed" && Tag(p.Point, "force_id") == "west-mercia");
        Assert.Contains(points, p => p.Name == "referrals.receipt_to_delivery");
        Assert.Contains(allMetrics, m => m.Name == "http.server.request.duration"); // ASP.NET Core
        Assert.Contains(allMetrics, m => m.Name.StartsWith("dotnet.", StringComparison.Ordinal)); // runtime

        var everyAttribute = string.Join("\n",
            allSpans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
                .Concat(points.SelectMany(p => Tags(p.Point).Select(t => $"{t.Key}={t.Value}"))));
        foreach (var secret in new[] { "canary-7f3a", Samples.Postcode, "B458AB", "Ellie", "sam@example.com" })
        {
            Assert.DoesNotContain(secret, everyAttribute, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task With_an_Application_Insights_connection_string_the_app_exports_to_it()
    {
        await using var ingestion = await IngestionServer.StartAsync();
        using var app = new TestApp(azurite, new()
        {
            [TelemetryRegistration.AppInsightsSetting] = ingestion.ConnectionString,
        });

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");
        var tracer = app.Services.GetRequiredService<TracerProvider>();
        try
        {
            await Eventually.TrueAsync(() =>
            {
                tracer.ForceFlush();
                return Task.FromResult(ingestion.Received("referral.triage"));
            }, TimeSpan.FromSeconds(20), "the triage span at the ingestion endpoint");
        }
        catch (TimeoutException e)
        {
            var kinds = ingestion.Bodies.SelectMany(b => b.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                .Select(line => System.Text.RegularExpressions.Regex.Match(line, "\"baseType\":\"(\\w+)\".*?\"name\":\"([^\"]*)\""))
                .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}").Distinct();
            throw new TimeoutException($"{e.Message} Received {ingestion.Bodies.Count} batches of: {string.Join(", ", kinds)}", e);
        }

        var sent = string.Join("\n", ingestion.Bodies);
        Assert.Contains(accepted.Reference, sent, StringComparison.Ordinal);
        Assert.All(ingestion.Paths, p => Assert.EndsWith("/track", p, StringComparison.Ordinal));
        foreach (var secret in new[] { "canary-7f3a", Samples.Postcode, "Ellie", "sam@example.com" })
        {
            Assert.DoesNotContain(secret, sent, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static IEnumerable<MetricPoint> Points(Metric metric)
    {
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            yield return point;
        }
    }

    private static List<KeyValuePair<string, object?>> Tags(MetricPoint point)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
        {
            tags.Add(tag);
        }

        return tags;
    }

    private static string? Tag(MetricPoint point, string key) => Tags(point).FirstOrDefault(t => t.Key == key).Value?.ToString();
}
