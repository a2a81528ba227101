using FsCheck;
using FsCheck.Fluent;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;

namespace ReferralIntake.Domain.Tests;

/// <summary>Invariants of the policy and the reader, over generated reports and inputs.</summary>
public class TriageProperties
{
    private static readonly TriagePolicy Policy = new(ForceDirectory.Default, FixedClock.Create());
    private static readonly Config Checks = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly Gen<ConcernReport> AnyReport =
        from role in Gen.Elements(Enum.GetValues<ReporterRole>())
        from age in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 17).Select(a => (int?)a))
        from postcode in Gen.Elements<string?>(null, "B15 2TT", "B78", "CV7 7AA", "ZZ9 9ZZ", "EH1 1AA", "BT1", "SW1A 1AA")
        from hours in Gen.OneOf(Gen.Constant<double?>(null), Gen.Choose(-24 * 10, 24 * 10).Select(h => (double?)h))
        from indicators in Gen.SubListOf(Enum.GetValues<Indicator>())
        select Reports.Make(role, age, postcode,
            hours is { } h && indicators.Contains(Indicator.MeetingArranged) ? FixedClock.Now.AddHours(h) : null,
            [.. indicators]);

    [Fact]
    public void Adding_an_indicator_never_lowers_the_priority()
    {
        var gen = from report in AnyReport
                  from extra in Gen.Elements(Enum.GetValues<Indicator>())
                  select (report, extra);
        Check.One(Checks, Prop.ForAll(gen.ToArbitrary(), pair =>
        {
            var (report, extra) = pair;
            var more = report with { Concern = report.Concern with { Indicators = report.Concern.Indicators.Contains(extra) ? report.Concern.Indicators : report.Concern.Indicators.Add(extra) } };
            return Policy.Decide(more).Priority <= Policy.Decide(report).Priority;
        }));
    }

    [Fact]
    public void Every_P1_to_P3_decision_has_exactly_one_of_police_force_or_CEOP()
    {
        Check.One(Checks, Prop.ForAll(AnyReport.ToArbitrary(), report =>
        {
            var d = Policy.Decide(report);
            var authorities = d.Routes.Count(r => r.Kind is RouteKind.PoliceForce or RouteKind.Ceop);
            return d.Priority == Priority.P4 ? authorities == 0 : authorities == 1;
        }));
    }

    [Fact]
    public void A_child_reporter_always_gets_Childline()
    {
        Check.One(Checks, Prop.ForAll(AnyReport.ToArbitrary(), report =>
            report.Reporter.Role != ReporterRole.Child || Policy.Decide(report).Has(RouteKind.Childline)));
    }

    [Fact]
    public void Every_decision_has_a_route_and_a_reason()
    {
        Check.One(Checks, Prop.ForAll(AnyReport.ToArbitrary(), report =>
        {
            var d = Policy.Decide(report);
            return !d.Routes.IsEmpty && !d.Reasons.IsEmpty;
        }));
    }

    [Fact]
    public void The_reader_never_throws_on_any_string()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            var result = ConcernReportReader.Read(text ?? "");
            return result.IsValid || result.Errors.Count > 0;
        }));
    }

    [Fact]
    public void The_reader_never_throws_on_any_bytes()
    {
        const string Valid = """{"reporter":{"role":"parent"},"concern":{"description":"He asked for pictures"}}""";
        var gen = from position in Gen.Choose(0, Valid.Length)
                  from noise in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
                  select (byte[])[.. System.Text.Encoding.UTF8.GetBytes(Valid[..position]), .. noise, .. System.Text.Encoding.UTF8.GetBytes(Valid[position..])];
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var result = ConcernReportReader.Read(bytes);
            return result.IsValid || result.Errors.Count > 0;
        }));
    }

    [Fact]
    public void The_reader_never_throws_on_mutated_reports()
    {
        const string Valid = """{"reporter":{"role":"child","name":"Jo"},"child":{"age":12,"postcode":"B15 2TT"},"concern":{"description":"He asked me for pictures","indicators":["imagesRequested"]},"suspect":{"usernames":["x"]}}""";
        var gen = from position in Gen.Choose(0, Valid.Length - 1)
                  from length in Gen.Choose(0, 5)
                  from insert in ArbMap.Default.GeneratorFor<string>()
                  select Valid[..position] + (insert ?? "") + Valid[Math.Min(Valid.Length, position + length)..];
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2_000), Prop.ForAll(gen.ToArbitrary(), json =>
        {
            var result = ConcernReportReader.Read(json);
            return result.IsValid || result.Errors.Count > 0;
        }));
    }
}
