namespace ReferralIntake.Domain.Reports;

/// <summary>One problem with one field, by its JSON path (<c>child.postcode</c>, <c>concern.indicators[2]</c>),
/// in words a parent understands. Never repeats the value that was sent.</summary>
public sealed record FieldError(string Field, string Message)
{
    /// <summary>What kind of problem it is (<see cref="FieldErrorCodes"/>), so the web form can say it in the reader's
    /// language. Not part of the API's problem document.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Code { get; init; } = FieldErrorCodes.Invalid;
}

/// <summary>The kinds of field problem the reader finds.</summary>
public static class FieldErrorCodes
{
    public const string Required = "required", Format = "format", TooLong = "tooLong", TooShort = "tooShort",
        Range = "range", NotClean = "notClean", TooMany = "tooMany", Invalid = "invalid";
}

/// <summary>The outcome of reading a report: the report, or every problem found at once.</summary>
public sealed class ReadResult
{
    private ReadResult(ConcernReport? report, IReadOnlyList<FieldError> errors)
    {
        Report = report;
        Errors = errors;
    }

    public ConcernReport? Report { get; }

    public IReadOnlyList<FieldError> Errors { get; }

    public bool IsValid => Report is not null;

    public static ReadResult Valid(ConcernReport report) => new(report, []);

    public static ReadResult Invalid(IReadOnlyList<FieldError> errors) => new(null, errors);
}
