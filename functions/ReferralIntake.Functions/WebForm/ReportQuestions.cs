using System.Globalization;
using System.Text.Json.Nodes;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Functions.WebForm;

/// <summary>
/// The web form's questions, in a parent's words, and how its answers become a contract-v1 report.
/// Form field names are the contract's own paths (reporter.role, child.postcode), so the one validator,
/// ConcernReportReader, checks a form exactly as it checks a partner's JSON and its errors land on the
/// right field. Nothing here validates: it only translates.
/// </summary>
public static class ReportQuestions
{
    /// <summary>Who is reporting, in the form's order; each one's words are the catalogue's role.{value}.</summary>
    public static readonly string[] Roles = ["parent", "carer", "child", "professional", "other"];

    /// <summary>The indicators of TRIAGE.md in the form's order; each one's words are the catalogue's indicator.{wireName}.</summary>
    public static readonly Indicator[] Indicators =
    [
        Indicator.ImmediateDanger, Indicator.MeetingArranged, Indicator.ImagesShared, Indicator.ImagesRequested, Indicator.Threats,
        Indicator.MoneyDemanded, Indicator.SexualConversation, Indicator.GiftsOffered, Indicator.SecrecyRequested, Indicator.AdultContactingManyChildren,
    ];

    /// <summary>The form field that holds the meeting's date and time, which become concern.meetingAt.</summary>
    public const string MeetingDay = "meeting-day", MeetingMonth = "meeting-month", MeetingYear = "meeting-year", MeetingTime = "meeting-time";

    /// <summary>Every single-value field the form posts and echoes back, by its contract path.</summary>
    public static readonly string[] TextFields =
    [
        "reporter.role", "reporter.name", "reporter.email", "reporter.phone", "reporter.contactConsent",
        "child.firstName", "child.age", "child.postcode",
        "concern.description", "concern.platforms",
        "suspect.usernames", "suspect.approximateAge", "suspect.location",
        MeetingDay, MeetingMonth, MeetingYear, MeetingTime,
    ];

    /// <summary>The form asks for and shows meeting times in UK local time.</summary>
    internal static readonly TimeZoneInfo UkTime = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    /// <summary>The answers as contract-v1 JSON, plus any error that only the form can have (a date that is not a date).</summary>
    public static (JsonObject Json, List<FieldError> FormErrors) ToReport(FormAnswers answers)
    {
        var errors = new List<FieldError>();
        var indicators = answers.Indicators;
        var concern = Object(
            ("description", Text(answers["concern.description"])),
            ("platforms", List(answers["concern.platforms"])),
            ("indicators", indicators.Count == 0 ? null : new JsonArray([.. indicators.Select(i => JsonValue.Create(i))])));
        if (indicators.Contains("meetingArranged") && MeetingAt(answers, errors) is { } meetingAt)
        {
            concern["meetingAt"] = meetingAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        var report = new JsonObject
        {
            ["reporter"] = Object(
                ("role", Text(answers["reporter.role"])),
                ("name", Text(answers["reporter.name"])),
                ("email", Text(answers["reporter.email"])),
                ("phone", Text(answers["reporter.phone"])),
                ("contactConsent", answers["reporter.contactConsent"] == "yes" ? JsonValue.Create(true) : null)),
            ["child"] = Object(
                ("firstName", Text(answers["child.firstName"])),
                ("age", Number(answers["child.age"])),
                ("postcode", Text(answers["child.postcode"]))),
            ["concern"] = concern,
            ["suspect"] = Object(
                ("usernames", List(answers["suspect.usernames"])),
                ("approximateAge", Number(answers["suspect.approximateAge"])),
                ("location", Text(answers["suspect.location"]))),
        };
        return (report, errors);
    }

    /// <summary>The meeting's UK local date and time, as an instant. Midday when no time is given, as the hint says.</summary>
    private static DateTimeOffset? MeetingAt(FormAnswers answers, List<FieldError> errors)
    {
        string day = answers[MeetingDay], month = answers[MeetingMonth], year = answers[MeetingYear], time = answers[MeetingTime];
        if (day.Length + month.Length + year.Length + time.Length == 0)
        {
            return null; // a meeting, time not known
        }

        var timeText = time.Length == 0 ? "12:00" : time.Replace('.', ':');
        if (!int.TryParse(day, CultureInfo.InvariantCulture, out var d) || !int.TryParse(month, CultureInfo.InvariantCulture, out var m)
            || !int.TryParse(year, CultureInfo.InvariantCulture, out var y) || y is < 2000 or > 2100
            || !DateTime.TryParseExact($"{y:D4}-{m:D2}-{d:D2} {timeText}", ["yyyy-MM-dd H:mm", "yyyy-MM-dd HH:mm"],
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            errors.Add(new FieldError("concern.meetingAt", "Enter the meeting date as numbers, like 23 11 2026, and a time like 15:30 if you know it.") { Code = FieldErrorCodes.Format });
            return null;
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), UkTime), TimeSpan.Zero);
    }

    private static JsonObject Object(params (string Name, JsonNode? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                o[name] = value;
            }
        }

        return o;
    }

    private static JsonNode? Text(string value) => value.Trim().Length == 0 ? null : JsonValue.Create(value);

    /// <summary>A whole number stays a number; anything else goes as text, so the validator says what is wrong.</summary>
    private static JsonNode? Number(string value) =>
        value.Trim().Length == 0 ? null
        : int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? JsonValue.Create(n)
        : JsonValue.Create(value);

    /// <summary>"Snapchat, Roblox" or one per line: a list.</summary>
    private static JsonArray? List(string value)
    {
        var items = value.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length == 0 ? null : new JsonArray([.. items.Select(i => JsonValue.Create(i))]);
    }
}

/// <summary>What the form posted: the known fields only, each as text (empty when absent).</summary>
public sealed class FormAnswers
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public FormAnswers(IFormCollection form)
    {
        foreach (var name in ReportQuestions.TextFields)
        {
            _values[name] = form[name].ToString();
        }

        var known = ReportQuestions.Indicators.Select(WireNames.Of).ToHashSet(StringComparer.Ordinal);
        Indicators = [.. form["concern.indicators"].Where(v => v is not null && known.Contains(v)).Select(v => v!).Distinct()];
    }

    public string this[string name] => _values.GetValueOrDefault(name, "");

    public IReadOnlyList<string> Indicators { get; }

    public IEnumerable<KeyValuePair<string, string>> Values => _values;
}
