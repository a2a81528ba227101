using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Domain.Tests;

/// <summary>Validation of contract-v1 JSON: every problem at once, each on its field path.</summary>
public class ConcernReportReaderTests
{
    private const string Minimal = """{"reporter":{"role":"parent"},"concern":{"description":"He keeps asking her to keep secrets."}}""";

    private static string[] Fields(ReadResult result) => [.. result.Errors.Select(e => e.Field)];

    [Fact]
    public void The_full_contract_example_reads()
    {
        var result = ConcernReportReader.Read("""
            {
              "reporter": { "role": "parent", "name": "Sam", "email": "sam@example.com", "phone": "01632 960 001", "contactConsent": true },
              "child":    { "firstName": "Alex", "age": 13, "postcode": "b152tt" },
              "concern":  {
                "description": "Someone on Snapchat asked for photos.",
                "platforms": ["Snapchat"],
                "indicators": ["imagesShared", "threats", "meetingArranged"],
                "meetingAt": "2026-11-23T15:00:00Z"
              },
              "suspect":  { "usernames": ["xx_guy"], "platform": "Snapchat", "approximateAge": 41, "location": "Birmingham" }
            }
            """);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        var report = result.Report!;
        Assert.Equal(ReporterRole.Parent, report.Reporter.Role);
        Assert.True(report.Reporter.ContactConsent);
        Assert.Equal("B15 2TT", report.Child.Postcode!.Canonical);
        Assert.Equal(13, report.Child.Age);
        Assert.Equal([Indicator.ImagesShared, Indicator.Threats, Indicator.MeetingArranged], report.Concern.Indicators.ToArray());
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero), report.Concern.MeetingAt);
        Assert.Equal(41, report.Suspect.ApproximateAge);
    }

    [Fact]
    public void Only_role_and_description_are_required()
    {
        var result = ConcernReportReader.Read(Minimal);

        Assert.True(result.IsValid);
        Assert.Null(result.Report!.Child.Postcode);
        Assert.Empty(result.Report.Concern.Indicators);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_on_its_field_path()
    {
        var result = ConcernReportReader.Read("""
            {
              "reporter": { "role": "teacher", "email": "not-an-email" },
              "child": { "age": 18, "postcode": "B15 2T" },
              "concern": { "description": "short", "indicators": ["threats", "stalking"] },
              "suspect": { "approximateAge": "forty" }
            }
            """);

        Assert.False(result.IsValid);
        Assert.Equal(
            ["reporter.role", "reporter.email", "child.age", "child.postcode", "concern.description", "concern.indicators[1]", "suspect.approximateAge"],
            Fields(result));
    }

    [Theory]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789","colour":"red"}}""", "concern.colour")]
    [InlineData("""{"reporter":{"role":"parent","Role":"x"},"concern":{"description":"0123456789"}}""", "reporter.Role")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789"},"extra":1}""", "extra")]
    [InlineData("""{"reporter":{"role":"parent"},"child":{"firstname":"A"},"concern":{"description":"0123456789"}}""", "child.firstname")]
    public void Unknown_fields_are_rejected_by_name(string json, string field)
    {
        var error = Assert.Single(ConcernReportReader.Read(json).Errors);

        Assert.Equal(field, error.Field);
        Assert.Contains("not a field", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"concern":{"description":"0123456789"}}""", "reporter")]
    [InlineData("""{"reporter":{"role":"parent"}}""", "concern")]
    [InlineData("""{"reporter":{},"concern":{"description":"0123456789"}}""", "reporter.role")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{}}""", "concern.description")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"         "}}""", "concern.description")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"123456789"}}""", "concern.description")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789","meetingAt":"2026-11-23T15:00:00Z"}}""", "concern.meetingAt")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789","indicators":["meetingArranged"],"meetingAt":"2026-11-23 15:00"}}""", "concern.meetingAt")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789","indicators":["meetingArranged"],"meetingAt":"tomorrow"}}""", "concern.meetingAt")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789","indicators":"threats"}}""", "concern.indicators")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789","platforms":[1]}}""", "concern.platforms[0]")]
    [InlineData("""{"reporter":{"role":"parent"},"child":{"age":-1},"concern":{"description":"0123456789"}}""", "child.age")]
    [InlineData("""{"reporter":{"role":"parent"},"child":{"age":13.5},"concern":{"description":"0123456789"}}""", "child.age")]
    [InlineData("""{"reporter":{"role":"parent"},"child":{"age":"13"},"concern":{"description":"0123456789"}}""", "child.age")]
    [InlineData("""{"reporter":{"role":"parent","contactConsent":"yes"},"concern":{"description":"0123456789"}}""", "reporter.contactConsent")]
    [InlineData("""{"reporter":{"role":"parent","name":"Sam\u0007"},"concern":{"description":"0123456789"}}""", "reporter.name")]
    [InlineData("""{"reporter":{"role":"parent","name":"A\nB"},"concern":{"description":"0123456789"}}""", "reporter.name")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789\u0000"}}""", "concern.description")]
    [InlineData("""{"reporter":{"role":"parent"},"concern":{"description":"0123456789\ud800"}}""", "concern.description")]
    [InlineData("""{"reporter":"parent","concern":{"description":"0123456789"}}""", "reporter")]
    [InlineData("""{"reporter":{"role":"parent"},"reporter":{"role":"child"},"concern":{"description":"0123456789"}}""", "reporter")]
    public void Each_bad_field_gets_its_own_error(string json, string field)
    {
        var result = ConcernReportReader.Read(json);

        Assert.False(result.IsValid);
        Assert.Contains(field, Fields(result));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"text\"")]
    [InlineData("{\"reporter\":}")]
    public void A_body_that_is_not_a_JSON_object_is_one_clear_error(string json)
    {
        var error = Assert.Single(ConcernReportReader.Read(json).Errors);

        Assert.Equal("", error.Field);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_throwing()
    {
        var json = new string('[', 10_000) + new string(']', 10_000);

        Assert.Equal("", Assert.Single(ConcernReportReader.Read(json).Errors).Field);
    }

    [Fact]
    public void Description_length_is_bounded_at_10000_characters()
    {
        string Json(int length) => $$$"""{"reporter":{"role":"parent"},"concern":{"description":"{{{new string('a', length)}}}"}}""";

        Assert.True(ConcernReportReader.Read(Json(10_000)).IsValid);
        Assert.Equal("concern.description", Assert.Single(ConcernReportReader.Read(Json(10_001)).Errors).Field);
    }

    [Fact]
    public void A_description_keeps_its_new_lines_and_emoji()
    {
        var result = ConcernReportReader.Read("""{"reporter":{"role":"child"},"concern":{"description":"He said 😊\nthen asked for pics"}}""");

        Assert.Equal("He said 😊\nthen asked for pics", result.Report!.Concern.Description);
    }

    [Fact]
    public void Errors_never_repeat_the_value_sent()
    {
        var result = ConcernReportReader.Read("""{"reporter":{"role":"SECRET-ROLE","email":"SECRET@"},"child":{"postcode":"SECRET"},"concern":{"description":"SECRET"}}""");

        Assert.NotEmpty(result.Errors);
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("SECRET", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Blank_optional_fields_count_as_not_given()
    {
        var result = ConcernReportReader.Read("""{"reporter":{"role":"parent","name":"  ","email":""},"child":{"postcode":""},"concern":{"description":"0123456789"}}""");

        Assert.True(result.IsValid);
        Assert.Null(result.Report!.Reporter.Email);
        Assert.Null(result.Report.Child.Postcode);
    }

    [Fact]
    public void A_flood_of_unknown_fields_stops_at_a_bounded_number_of_errors()
    {
        var fields = string.Join(",", Enumerable.Range(0, 5_000).Select(i => $"\"f{i}\":1"));

        var result = ConcernReportReader.Read($"{{{fields}}}");

        Assert.Equal(ConcernReportReader.MaxErrors, result.Errors.Count);
    }
}
