using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Functions.Api;

/// <summary>RFC 9457 problem details, one kind per way a request can fail (see docs/partners.md, "Errors").</summary>
public static class Problems
{
    public static ProblemHttpResult Invalid(IReadOnlyList<FieldError> errors) => Make(
        StatusCodes.Status400BadRequest, "invalid-report", "The report has problems",
        errors.Count == 1 ? "One field needs correcting." : $"{errors.Count} fields need correcting.",
        errors);

    /// <summary>One bad part of a request other than the report: a header, or an admin request's field.</summary>
    public static ProblemHttpResult InvalidRequest(string field, string message) => Make(
        StatusCodes.Status400BadRequest, "invalid-request", "The request is not valid", message,
        [new FieldError(field, message)]);

    public static ProblemHttpResult Unauthorized() => Make(
        StatusCodes.Status401Unauthorized, "unauthorized", "No valid API key",
        "Send your partner API key in the X-Api-Key header.");

    /// <summary>A fault of the service itself (a bug): still a problem document, never a stack trace.</summary>
    public static ProblemHttpResult Unexpected() => Make(
        StatusCodes.Status500InternalServerError, "unexpected", "Something went wrong on our side",
        "The service could not answer this request. Please try again shortly.");

    /// <summary>A function that declares no caller: a defect, refused rather than left public.</summary>
    public static ProblemHttpResult Undeclared() => Make(
        StatusCodes.Status500InternalServerError, "undeclared-access", "This function declares no access",
        "The service is misconfigured: this route declares no caller. Nothing was done.");

    public static ProblemHttpResult NotFound() => Make(
        StatusCodes.Status404NotFound, "not-found", "No such referral",
        "There is no referral with this reference for your key.");

    public static ProblemHttpResult KeyReused() => Make(
        StatusCodes.Status409Conflict, "idempotency-key-reused", "Idempotency-Key already used",
        "This Idempotency-Key was first used with a different report. Use a new key for a new report.");

    public static ProblemHttpResult Erased() => Make(
        StatusCodes.Status410Gone, "erased", "This referral was erased",
        "The report first sent with this Idempotency-Key was erased on request, and it is not stored again. Send a new concern as a new report, with a new key.");

    public static ProblemHttpResult Conflict(string type, string title, string detail) => Make(StatusCodes.Status409Conflict, type, title, detail);

    public static ProblemHttpResult TooLarge(int maxBytes) => Make(
        StatusCodes.Status413PayloadTooLarge, "too-large", "The request is too large",
        $"A report can be at most {maxBytes / 1024} KiB.");

    public static ProblemHttpResult WrongContentType(string expected) => Make(
        StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Wrong content type",
        $"Send the report as {expected}.");

    public static ProblemHttpResult TooManyRequests(HttpContext http, TimeSpan retryAfter)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
        return Make(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
            $"Your rate limit is used up. Try again in {RetryAfterSeconds(retryAfter)} seconds.");
    }

    public const string NotAcceptedDetail =
        "The report was not accepted because storage cannot be reached. Nothing was kept. Please try again shortly.";

    public static ProblemHttpResult Unavailable(HttpContext http, TimeSpan retryAfter, string detail = NotAcceptedDetail)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter);
        return Make(StatusCodes.Status503ServiceUnavailable, "unavailable", "Temporarily unavailable", detail);
    }

    private static string RetryAfterSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static ProblemHttpResult Make(int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors = null)
    {
        var problem = new ProblemDetails { Type = $"/api/problems/{type}", Title = title, Status = status, Detail = detail };
        if (errors is not null)
        {
            problem.Extensions["errors"] = errors.ToArray();
        }

        return TypedResults.Problem(problem);
    }
}
