using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ReferralIntake.Functions.Telemetry;
using ReferralIntake.Functions.Tests.Infra;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>
/// The alerts an operator is woken by (infra/modules/alerts.bicep, compiled with the dev parameters) lead somewhere:
/// each names its section of the runbook in docs/operations.md, that section exists, and each metric an alert
/// watches is one the app emits.
/// </summary>
public sealed partial class AlertsTests(CompiledInfraFixture compiled) : IClassFixture<CompiledInfraFixture>
{
    private IReadOnlyList<ArmResource> Alerts() =>
        [.. compiled.Infra.With("main.dev.bicepparam").OfType("Microsoft.Insights/scheduledQueryRules")];

    [Fact]
    public void Every_alert_names_a_section_of_the_runbook_that_exists()
    {
        var headings = Headings(File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "operations.md")));

        Assert.True(Alerts().Count >= 6, $"expected the six alerts, found {Alerts().Count}");
        Assert.All(Alerts(), alert =>
        {
            var description = alert.Get("properties.description")?.ToString() ?? "";
            var section = RunbookSection().Match(description);
            Assert.True(section.Success, $"{alert.Name}: its description names no section of docs/operations.md: {description}");
            Assert.Contains(section.Groups["heading"].Value, headings);
        });
    }

    [Fact]
    public void Every_metric_an_alert_watches_is_one_the_app_emits()
    {
        RuntimeHelpers.RunClassConstructor(typeof(ReferralTelemetry).TypeHandle);
        var emitted = new HashSet<string>(StringComparer.Ordinal);
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == ReferralTelemetry.Name)
                {
                    emitted.Add(instrument.Name);
                }
            };
            listener.Start();
        }

        var queries = Alerts().SelectMany(a => a.Get("properties.criteria.allOf")?.AsArray() ?? [])
            .Select(criterion => criterion?["query"]?.GetValue<string>() ?? "");
        var watched = queries.SelectMany(q => WatchedMetric().Matches(q).Select(m => m.Groups["metric"].Value)).ToList();

        Assert.Contains("referrals.destination.probes", watched); // the force-down alert
        Assert.All(watched, metric => Assert.Contains(metric, emitted));
    }

    /// <summary>The page's Markdown headings; a "#" comment inside a fenced block is not one.</summary>
    private static HashSet<string> Headings(IEnumerable<string> lines)
    {
        var headings = new HashSet<string>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence && line.StartsWith('#'))
            {
                headings.Add(line.TrimStart('#').Trim());
            }
        }

        return headings;
    }

    [GeneratedRegex(@"docs/operations\.md, ""(?<heading>[^""]+)""")]
    private static partial Regex RunbookSection();

    [GeneratedRegex(@"name == ""(?<metric>referrals\.[a-z0-9_.]+)""")]
    private static partial Regex WatchedMetric();
}
