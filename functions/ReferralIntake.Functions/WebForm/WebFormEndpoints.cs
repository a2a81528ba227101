using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Intake;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.WebForm;

/// <summary>
/// The parent web form: GET / (start), GET /report (questions), POST /report (check answers, or the
/// questions again with errors), POST /report/edit (back to the questions), POST /report/send (send,
/// then the confirmation), GET /about. Works without JavaScript. A form report takes the same intake
/// path as a partner's (IntakeService), as the partner "web-form".
/// </summary>
public static partial class WebFormEndpoints
{
    public const int MaxFormBytes = 128 * 1024;
    public const int PostsPerMinutePerClient = 20;

    public static IEndpointRouteBuilder MapWebForm(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").ExcludeFromDescription().AddEndpointFilter(async (context, next) =>
        {
            SetPageHeaders(context.HttpContext.Response);
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Most likely storage (the anti-forgery keys or the report itself): a page, not a stack trace.
                LogPageFailed(context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("WebForm"), e.GetType().Name);
                return Page("Sorry, there is a problem", FormPages.Problem("Sorry, there is a problem",
                    "Our system is not working just now. Please try again in a few minutes."), status: 503);
            }
        });

        pages.MapGet("/", () => Page("Start", FormPages.Start()));
        pages.MapGet("/about", () => Page("About", FormPages.About()));
        pages.MapGet("/report", (HttpContext http, IAntiforgery af) =>
        {
            var tokens = af.GetAndStoreTokens(http);
            return Page("Tell us what happened", FormPages.Questions(Empty, [], tokens.FormFieldName, tokens.RequestToken!));
        });
        pages.MapPost("/report", CheckAsync).RequireRateLimiting(RateLimits.WebFormPost);
        pages.MapPost("/report/edit", EditAsync).RequireRateLimiting(RateLimits.WebFormPost);
        pages.MapPost("/report/send", SendAsync).RequireRateLimiting(RateLimits.WebFormPost);
        pages.MapGet(LeavePath, Leave);
        return app;
    }

    /// <summary>Every HTML page's headers: a tight content security policy, never cached, no referrer.</summary>
    public static void SetPageHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
        // Nothing typed or shown here may be shown again from the browser's cache (the same values anti-forgery sets).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
    }

    /// <summary>Where every page's "Leave this site" points (GOV.UK "Exit a page quickly").</summary>
    public const string LeavePath = "/leave";

    /// <summary>
    /// Leave this site: forget the session (the anti-forgery cookie, and anything else the browser keeps
    /// for this site), then go to the everyday exit page without telling it where the user came from.
    /// </summary>
    private static IResult Leave(HttpContext http, WebFormOptions o, IOptions<AntiforgeryOptions> antiforgery)
    {
        http.Response.Cookies.Delete(antiforgery.Value.Cookie.Name!, new CookieOptions { Path = "/", Secure = http.Request.IsHttps, SameSite = SameSiteMode.Strict });
        // Browsers honour this only over HTTPS or on localhost; the cookie delete above covers the rest.
        http.Response.Headers["Clear-Site-Data"] = "\"cookies\", \"storage\"";
        return Results.Redirect(o.ExitUrl);
    }

    private static readonly FormAnswers Empty = new(new FormCollection([]));

    /// <summary>Questions answered: show the errors, or the answers to check.</summary>
    private static async Task<IResult> CheckAsync(HttpContext http, IAntiforgery af, CancellationToken ct)
    {
        if (await ReadAsync(http, ct).ConfigureAwait(false) is not { } posted)
        {
            return PostFailed(http);
        }

        var tokens = af.GetAndStoreTokens(http);
        var (json, formErrors) = ReportQuestions.ToReport(posted.Answers);
        var read = ConcernReportReader.Read(JsonSerializer.SerializeToUtf8Bytes(json, AppJsonContext.Default.JsonObject));
        var errors = formErrors.Concat(read.Errors).Select(Friendly).ToList();
        if (errors.Count > 0 || read.Report is null)
        {
            return Page("Tell us what happened", FormPages.Questions(posted.Answers, errors, tokens.FormFieldName, tokens.RequestToken!), hasErrors: true);
        }

        var hidden = Hidden(posted.Answers, tokens.FormFieldName, tokens.RequestToken!)
            + $"""<input type="hidden" name="submission" value="{Guid.NewGuid():N}">""";
        return Page("Check your answers", FormPages.CheckAnswers(posted.Answers, read.Report, hidden));
    }

    private static async Task<IResult> EditAsync(HttpContext http, IAntiforgery af, CancellationToken ct)
    {
        if (await ReadAsync(http, ct).ConfigureAwait(false) is not { } posted)
        {
            return PostFailed(http);
        }

        var tokens = af.GetAndStoreTokens(http);
        return Page("Tell us what happened", FormPages.Questions(posted.Answers, [], tokens.FormFieldName, tokens.RequestToken!));
    }

    /// <summary>Send: through the one intake path; the check page's submission id is the Idempotency-Key, so a double send makes one referral.</summary>
    private static async Task<IResult> SendAsync(HttpContext http, IAntiforgery af, IntakeService intake, CancellationToken ct)
    {
        if (await ReadAsync(http, ct).ConfigureAwait(false) is not { } posted)
        {
            return PostFailed(http);
        }

        var (json, formErrors) = ReportQuestions.ToReport(posted.Answers);
        var submission = posted.Form["submission"].ToString();
        var key = Guid.TryParseExact(submission, "N", out _) ? $"form-{submission}" : null;
        var outcome = formErrors.Count > 0
            ? new IntakeOutcome.Invalid(formErrors)
            : await intake.SubmitAsync(Partners.WebFormPartnerId, JsonSerializer.SerializeToUtf8Bytes(json, AppJsonContext.Default.JsonObject), key, ct).ConfigureAwait(false);
        var tokens = af.GetAndStoreTokens(http);
        return outcome switch
        {
            IntakeOutcome.Accepted a => Page("Report sent", FormPages.Confirmation(a.Answer, posted.Answers["reporter.role"] == "child")),
            IntakeOutcome.Invalid i => Page("Tell us what happened", FormPages.Questions(posted.Answers, [.. i.Errors.Select(Friendly)], tokens.FormFieldName, tokens.RequestToken!), hasErrors: true),
            IntakeOutcome.Erased => Page("Report removed", FormPages.Problem("This report was removed",
                "It was deleted at someone's request, so it was not sent again. If you are still worried, please start a new report."), status: StatusCodes.Status410Gone),
            IntakeOutcome.Unavailable => Page("Sorry, there is a problem", FormPages.Problem("Sorry, your report could not be sent",
                "Our system is not working just now, so your report was not sent. Please try again in a few minutes.") + RetryForm(posted, tokens), status: 503),
            _ => Page("Sorry, there is a problem", FormPages.Problem("Sorry, there is a problem", "Please start again."), status: 409),
        };
    }

    private static string RetryForm(PostedForm posted, AntiforgeryTokenSet tokens) =>
        $"""<form method="post" action="/report/send" novalidate>{Hidden(posted.Answers, tokens.FormFieldName, tokens.RequestToken!)}<input type="hidden" name="submission" value="{E(posted.Form["submission"])}"><button type="submit" class="govuk-button" data-module="govuk-button">Try sending again</button></form>""";

    private sealed record PostedForm(IFormCollection Form, FormAnswers Answers);

    /// <summary>A form post within limits, from a client within its rate, with a valid anti-forgery token; else null and a reason.</summary>
    private static async Task<PostedForm?> ReadAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            http.Items[FailureKey] = (StatusCodes.Status415UnsupportedMediaType, "This page only accepts the form on this site.");
            return null;
        }

        if (http.Request.ContentLength > MaxFormBytes)
        {
            http.Items[FailureKey] = (StatusCodes.Status413PayloadTooLarge, "What you sent is too long. Please shorten what happened and try again.");
            return null;
        }

        IFormCollection form;
        try
        {
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxFormBytes;
            }

            form = await http.Request.ReadFormAsync(new FormOptions { ValueCountLimit = 200, ValueLengthLimit = MaxFormBytes, KeyLengthLimit = 100 }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            http.Items[FailureKey] = (StatusCodes.Status413PayloadTooLarge, "What you sent is too long or not a form from this site. Please try again.");
            return null;
        }

        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            // Keep what they typed: show the questions again with a fresh token rather than lose a report.
            http.Items[FailureKey] = (StatusCodes.Status400BadRequest, "This page expired.");
            http.Items[ExpiredAnswersKey] = new FormAnswers(form);
            return null;
        }

        return new PostedForm(form, new FormAnswers(form));
    }

    /// <summary>Who is posting, for the per-client limit: the address the trusted edge saw (<see cref="Edge"/>).</summary>
    internal static string ClientKey(HttpContext http) => Hosting.Edge.ClientAddress(http);

    /// <summary>The page for a client over its rate (the rate limiter's answer for the form's routes).</summary>
    internal static IResult TooManyPosts(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-cache, no-store";
        var message = $"You have sent a lot of forms in a short time. Please wait {seconds} seconds and try again.";
        return Page("Sorry, there is a problem", FormPages.Problem("Sorry, there is a problem", message), status: StatusCodes.Status429TooManyRequests);
    }

    private const string FailureKey = "webform.failure";
    private const string ExpiredAnswersKey = "webform.expired";

    private static IResult PostFailed(HttpContext http)
    {
        var (status, message) = http.Items[FailureKey] is (int s, string m) ? (s, m) : (StatusCodes.Status400BadRequest, "Please try again.");
        if (http.Items[ExpiredAnswersKey] is FormAnswers answers)
        {
            var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
            var note = """<div class="govuk-inset-text">For your security, this page expired. Your answers are below: check them and select Continue.</div>""";
            return Page("Tell us what happened", note + FormPages.Questions(answers, [], tokens.FormFieldName, tokens.RequestToken!), status: status);
        }

        return Page("Sorry, there is a problem", FormPages.Problem("Sorry, there is a problem", message), status: status);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A web form page failed ({Error}); answered 503")]
    private static partial void LogPageFailed(ILogger logger, string error);

    /// <summary>A few of the validator's messages in form words; the rule is the validator's either way.</summary>
    private static FieldError Friendly(FieldError error) => error.Field switch
    {
        "reporter.role" => error with { Message = "Select who you are" },
        "reporter" => new FieldError("reporter.role", "Select who you are"),
        "concern.description" when error.Message.StartsWith("Describe what happened, in", StringComparison.Ordinal) => error with { Message = "Enter what happened" },
        "child.age" => error with { Message = "Enter the child's age as a whole number from 0 to 17, like 13" },
        "suspect.approximateAge" => error with { Message = "Enter their age as a number, like 35, or leave it blank" },
        _ => error,
    };
}

/// <summary>Settings of the web form (WebForm__…).</summary>
public sealed class WebFormOptions
{
    /// <summary>Where "Leave this site" goes: an everyday page that reveals nothing.</summary>
    public string ExitUrl { get; set; } = "https://www.bbc.co.uk/weather";

    public int PostsPerMinute { get; set; } = WebFormEndpoints.PostsPerMinutePerClient;

    /// <summary>All clients' form posts together, per instance: a flood from many addresses meets this (Front Door's WAF limits across instances).</summary>
    public int GlobalPostsPerMinute { get; set; } = 600;
}
