using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Traces and metrics, read in memory by listeners on the app's own source and meter.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TelemetryTests(AzuriteFixture azurite) : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ActivityListener _traces = new();
    private readonly MeterListener _metrics = new();

    public void Dispose()
    {
        _traces.Dispose();
        _metrics.Dispose();
    }

    private void Listen()
    {
        _traces.ShouldListenTo = source => source.Name == ReferralTelemetry.Name;
        _traces.Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded;
        _traces.ActivityStopped = _spans.Enqueue;
        ActivitySource.AddActivityListener(_traces);

        _metrics.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ReferralTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _metrics.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _metrics.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _metrics.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    [Fact]
    public async Task Submit_triage_and_delivery_are_one_trace_tagged_with_the_reference_and_the_counters_move()
    {
        Listen();
        using var app = new TestApp(azurite);

        var accepted = await app.SubmitAcceptedAsync(Samples.WestMerciaP2);
        await app.StatusWhenAsync(accepted.Reference, "delivered");
        await Eventually.TrueAsync(() => Task.FromResult(_measurements.Any(m => m.Instrument == "referrals.delivered")), TimeSpan.FromSeconds(10), "the delivered counter");

        var spans = _spans.Where(s => Equals(s.GetTagItem(ReferralTelemetry.ReferenceTag), accepted.Reference)).ToList();
        Assert.Equal(["referral.deliver", "referral.submit", "referral.triage"], spans.Select(s => s.OperationName).Distinct().Order());
        Assert.Single(spans.Select(s => s.TraceId).Distinct()); // one trace, although the queue message is the bare reference

        Assert.Contains(_measurements, m => m.Instrument == "referrals.received" && Equals(m.Tags["channel"], "api"));
        Assert.Contains(_measurements, m => m.Instrument == "referrals.triaged" && Equals(m.Tags["priority"], "P2"));
        Assert.Contains(_measurements, m => m.Instrument == "referrals.routed" && Equals(m.Tags["force_id"], "west-mercia"));
        Assert.Contains(_measurements, m => m.Instrument == "referrals.receipt_to_delivery" && m.Value >= 0);

        var everyAttribute = string.Join("\n",
            _spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
                .Concat(_measurements.SelectMany(m => m.Tags.Select(t => $"{t.Key}={t.Value}"))));
        foreach (var secret in new[] { "canary-7f3a", Samples.Postcode, "B458AB", "Ellie", "sam@example.com" })
        {
            Assert.DoesNotContain(secret, everyAttribute, StringComparison.OrdinalIgnoreCase);
        }
    }
}
