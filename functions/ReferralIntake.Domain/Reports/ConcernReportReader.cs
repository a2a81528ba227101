using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReferralIntake.Domain.Postcodes;

namespace ReferralIntake.Domain.Reports;

/// <summary>
/// Reads a concern report from contract-v1 JSON, checking every rule at once and tying each problem
/// to its field path. The partner API and the web form both come through here, so the rules exist
/// once. Never throws on any input; never echoes a value back in a message.
/// </summary>
public static partial class ConcernReportReader
{
    public const int DescriptionMinLength = 10;
    public const int DescriptionMaxLength = 10_000;
    public const int MaxErrors = 50;

    private const int MaxDepth = 8; // the contract is three levels deep; anything deeper is not a report
    private const int MaxListItems = 20;

    public static ReadResult Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    public static ReadResult Read(ReadOnlyMemory<byte> utf8Json)
    {
        // JsonDocument checks UTF-8 only when a string is read: check it all first, so broken bytes
        // get a clear error here rather than an exception later.
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json.Span))
        {
            return ReadResult.Invalid([new FieldError("", "The request body is not valid UTF-8 text.")]);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
            return ReadResult.Invalid([new FieldError("", $"The request body is not valid JSON{where}.")]);
        }
        catch (ArgumentException)
        {
            return ReadResult.Invalid([new FieldError("", "The request body is not valid JSON.")]);
        }

        using (document)
        {
            return Read(document.RootElement);
        }
    }

    public static ReadResult Read(JsonElement root)
    {
        var r = new Walker();
        try
        {
            var report = r.ReadReport(root);
            return r.Errors.Count == 0 && report is not null ? ReadResult.Valid(report) : ReadResult.Invalid(r.Errors);
        }
        catch (TooManyErrors)
        {
            return ReadResult.Invalid(r.Errors);
        }
        catch (InvalidOperationException)
        {
            // A value System.Text.Json cannot turn into text: still a clear error, never a crash.
            return ReadResult.Invalid([.. r.Errors, new FieldError("", "The request body holds text that is not valid Unicode.")]);
        }
    }

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+?[0-9 ()\-]{7,25}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    private sealed class TooManyErrors : Exception;

    private sealed class Walker
    {
        public List<FieldError> Errors { get; } = [];

        public ConcernReport? ReadReport(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Fail("", "The request body must be a JSON object with reporter and concern.");
                return null;
            }

            var fields = Fields(root, "", "reporter", "child", "concern", "suspect");
            var reporter = Section(fields, "reporter", required: true) is { } rep ? ReadReporter(rep) : null;
            var child = Section(fields, "child", required: false) is { } ch ? ReadChild(ch) : ChildDetails.Unknown;
            var concern = Section(fields, "concern", required: true) is { } con ? ReadConcern(con) : null;
            var suspect = Section(fields, "suspect", required: false) is { } sus ? ReadSuspect(sus) : SuspectDetails.Unknown;
            return reporter is null || concern is null ? null : new ConcernReport(reporter, child, concern, suspect);
        }

        private Reporter? ReadReporter(JsonElement e)
        {
            var f = Fields(e, "reporter", "role", "name", "email", "phone", "contactConsent");
            ReporterRole? role = null;
            var roleText = Text(f, "reporter.role", 20);
            if (roleText is null)
            {
                Fail("reporter.role", "Say who is reporting: parent, carer, child, professional or other.", FieldErrorCodes.Required);
            }
            else if (WireNames.Roles.TryGetValue(roleText, out var known))
            {
                role = known;
            }
            else
            {
                Fail("reporter.role", "Who is reporting must be one of: parent, carer, child, professional, other.");
            }

            var name = Text(f, "reporter.name", 100);
            var email = Text(f, "reporter.email", 254);
            if (email is not null && !EmailPattern().IsMatch(email))
            {
                Fail("reporter.email", "Enter an email address in the correct format, like name@example.com.", FieldErrorCodes.Format);
            }

            var phone = Text(f, "reporter.phone", 25);
            if (phone is not null && !PhonePattern().IsMatch(phone))
            {
                Fail("reporter.phone", "Enter a telephone number, like 01632 960 001 or +44 7700 900 982.", FieldErrorCodes.Format);
            }

            var consent = Flag(f, "reporter.contactConsent");
            return role is { } r ? new Reporter(r, name, email, phone, consent) : null;
        }

        private ChildDetails ReadChild(JsonElement e)
        {
            var f = Fields(e, "child", "firstName", "age", "postcode");
            var firstName = Text(f, "child.firstName", 50);
            var age = WholeNumber(f, "child.age", 0, 17,
                "The child's age must be a whole number from 0 to 17. This service is for concerns about children.");
            UkPostcode? postcode = null;
            var postcodeText = Text(f, "child.postcode", 10, lengthMessage: PostcodeMessage);
            if (postcodeText is not null && !UkPostcode.TryParse(postcodeText, out postcode))
            {
                Fail("child.postcode", PostcodeMessage, FieldErrorCodes.Format);
            }

            return new ChildDetails(firstName, age, postcode);
        }

        private const string PostcodeMessage =
            "Enter a real UK postcode, like B15 2TT, or just its first part, like B15.";

        private Concern? ReadConcern(JsonElement e)
        {
            var f = Fields(e, "concern", "description", "platforms", "indicators", "meetingAt");
            var description = Text(f, "concern.description", DescriptionMaxLength, multiline: true,
                lengthMessage: $"Describe what happened in {DescriptionMaxLength:N0} characters or fewer.");
            if (description is null)
            {
                if (!Errors.Exists(x => x.Field == "concern.description"))
                {
                    Fail("concern.description", "Describe what happened, in your own words.", FieldErrorCodes.Required);
                }
            }
            else if (description.EnumerateRunes().Count() < DescriptionMinLength)
            {
                Fail("concern.description", $"Describe what happened in at least {DescriptionMinLength} characters.", FieldErrorCodes.TooShort);
            }

            var platforms = List(f, "concern.platforms", 50);
            var indicatorNames = List(f, "concern.indicators", 40);
            var indicators = ImmutableArray.CreateBuilder<Indicator>();
            for (var i = 0; i < indicatorNames.Length; i++)
            {
                if (!WireNames.Indicators.TryGetValue(indicatorNames[i], out var indicator))
                {
                    Fail($"concern.indicators[{i}]",
                        "This is not a known indicator. Use the names listed in the API contract, such as imagesShared.");
                }
                else if (!indicators.Contains(indicator))
                {
                    indicators.Add(indicator);
                }
            }

            DateTimeOffset? meetingAt = null;
            if (Text(f, "concern.meetingAt", 40) is { } meetingText)
            {
                meetingAt = ReadInstant(meetingText, "concern.meetingAt");
                if (meetingAt is not null && !indicators.Contains(Indicator.MeetingArranged))
                {
                    Fail("concern.meetingAt", "A meeting time was given, so add meetingArranged to the indicators.");
                }
            }

            return description is null ? null : new Concern(description, platforms, indicators.ToImmutable(), meetingAt);
        }

        private SuspectDetails ReadSuspect(JsonElement e)
        {
            var f = Fields(e, "suspect", "usernames", "platform", "approximateAge", "location");
            return new SuspectDetails(
                List(f, "suspect.usernames", 100),
                Text(f, "suspect.platform", 50),
                WholeNumber(f, "suspect.approximateAge", 0, 120, "The person's approximate age must be a whole number from 0 to 120."),
                Text(f, "suspect.location", 200));
        }

        private DateTimeOffset? ReadInstant(string text, string path)
        {
            var hasZone = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
            if (!hasZone || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                || !text.Contains('T', StringComparison.OrdinalIgnoreCase))
            {
                Fail(path, "Give the meeting time as an ISO 8601 date and time with a time zone, like 2026-11-23T15:00:00Z.");
                return null;
            }

            if (at.Year is < 2000 or > 2100)
            {
                Fail(path, "The meeting time must be a real date between the years 2000 and 2100.");
                return null;
            }

            return at;
        }

        // ---- building blocks ----

        private Dictionary<string, JsonElement> Fields(JsonElement obj, string path, params string[] allowed)
        {
            var found = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in obj.EnumerateObject())
            {
                var name = property.Name;
                var at = Join(path, name.Length > 40 ? name[..40] + "…" : name);
                if (Array.IndexOf(allowed, name) < 0)
                {
                    Fail(at, $"This is not a field of the contract. Fields here are: {string.Join(", ", allowed)} (names are camelCase).");
                }
                else if (!found.TryAdd(name, property.Value))
                {
                    Fail(at, "This field appears more than once.");
                }
            }

            return found;
        }

        private JsonElement? Section(Dictionary<string, JsonElement> fields, string name, bool required)
        {
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required)
                {
                    Fail(name, name == "reporter"
                        ? "Say who is reporting: reporter.role is required."
                        : "Describe the concern: concern.description is required.", FieldErrorCodes.Required);
                }

                return null;
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                Fail(name, "This must be a JSON object.");
                return null;
            }

            return value;
        }

        /// <summary>An optional string: trimmed, blank means absent, no control characters.</summary>
        private string? Text(Dictionary<string, JsonElement> fields, string path, int maxLength,
            bool multiline = false, string? lengthMessage = null)
        {
            var name = path[(path.LastIndexOf('.') + 1)..];
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                Fail(path, "This must be text (a JSON string).");
                return null;
            }

            return CheckText(value, path, maxLength, multiline, lengthMessage);
        }

        private string? CheckText(JsonElement value, string path, int maxLength, bool multiline, string? lengthMessage)
        {
            string raw;
            try
            {
                raw = value.GetString() ?? "";
            }
            catch (InvalidOperationException)
            {
                Fail(path, "This text contains characters that are not valid Unicode.");
                return null;
            }

            var text = raw.Trim();
            if (text.Length > maxLength)
            {
                Fail(path, lengthMessage ?? $"This must be {maxLength:N0} characters or fewer.", FieldErrorCodes.TooLong);
                return null;
            }

            if (!IsCleanText(text, multiline))
            {
                Fail(path, multiline
                    ? "This text contains control characters or broken Unicode. Only letters, numbers, punctuation, spaces and new lines are allowed."
                    : "This text contains control characters, new lines or broken Unicode.", FieldErrorCodes.NotClean);
                return null;
            }

            return text.Length == 0 ? null : text;
        }

        private static bool IsCleanText(string text, bool multiline)
        {
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
                {
                    return false;
                }

                if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
                {
                    return false;
                }
            }

            return true;
        }

        private ImmutableArray<string> List(Dictionary<string, JsonElement> fields, string path, int maxItemLength)
        {
            var name = path[(path.LastIndexOf('.') + 1)..];
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                Fail(path, "This must be a list (a JSON array) of text.");
                return [];
            }

            if (value.GetArrayLength() > MaxListItems)
            {
                Fail(path, $"This list can have at most {MaxListItems} items.", FieldErrorCodes.TooMany);
                return [];
            }

            var items = ImmutableArray.CreateBuilder<string>();
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                var at = $"{path}[{i++}]";
                if (item.ValueKind != JsonValueKind.String)
                {
                    Fail(at, "Each item must be text (a JSON string).");
                }
                else if (CheckText(item, at, maxItemLength, false, null) is { } text)
                {
                    items.Add(text);
                }
            }

            return items.ToImmutable();
        }

        private bool Flag(Dictionary<string, JsonElement> fields, string path)
        {
            var name = path[(path.LastIndexOf('.') + 1)..];
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return false;
            }

            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }

            Fail(path, "This must be true or false.");
            return false;
        }

        private int? WholeNumber(Dictionary<string, JsonElement> fields, string path, int min, int max, string message)
        {
            var name = path[(path.LastIndexOf('.') + 1)..];
            if (!fields.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max)
            {
                return n;
            }

            Fail(path, message, FieldErrorCodes.Range);
            return null;
        }

        private void Fail(string field, string message, string code = FieldErrorCodes.Invalid)
        {
            Errors.Add(new FieldError(field, message) { Code = code });
            if (Errors.Count >= MaxErrors)
            {
                throw new TooManyErrors();
            }
        }

        private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
    }
}
