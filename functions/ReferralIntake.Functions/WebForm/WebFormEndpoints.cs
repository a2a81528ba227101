using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Feedback;
using ReferralIntake.Functions.Localisation;
using ReferralIntake.Functions.Statistics;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.WebForm;

/// <summary>
/// The parent web form: GET / (start), GET /report (questions), POST /report (check answers, or the
/// questions again with errors), POST /report/edit (back to the questions), POST /report/send (send,
/// then the confirmation), GET /leave (quick exit), and the statements (about, accessibility, privacy,
/// cookies, leaving quickly). In English or Welsh (?lang=cy; Localisation/). Works without JavaScript.
/// A form report takes the same intake path as a partner's (IntakeService), as the partner "web-form".
/// </summary>
public static partial class WebFormEndpoints
{
    public const int MaxFormBytes = 128 * 1024;
    public const int PostsPerMinutePerClient = 20;

    /// <summary>A page that failed (most likely storage: the anti-forgery keys or the report itself): a page saying so, not a stack trace.</summary>
    public static IResult PageFailed(HttpContext http, Exception e)
    {
        LogPageFailed(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("WebForm"), e.GetType().Name);
        var t = Catalogue.ForPage(http);
        return Page(http, t, t["problem.title"], FormPages.Problem(t, t["problem.title"], t["problem.down"]), status: 503);
    }

    internal static IResult StartPage(HttpContext http)
    {
        var t = Catalogue.ForPage(http);
        return Page(http, t, t["start.page-title"], FormPages.Start(t));
    }

    /// <summary>A page of prose: its title and body from the catalogues, with the service's own particulars filled in.</summary>
    internal static IResult ProsePage(HttpContext http, string page)
    {
        var t = Catalogue.ForPage(http);
        var retention = http.RequestServices.GetRequiredService<RetentionSweep.RetentionOptions>();
        var o = http.RequestServices.GetRequiredService<WebFormOptions>();
        return Page(http, t, t[$"{page}.title"], FormPages.Prose(t, page,
            ("retentionDays", retention.Days.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("controller", o.Controller), ("contact", o.ContactEmail)));
    }

    internal static IResult QuestionsPage(HttpContext http)
    {
        var t = Catalogue.ForPage(http);
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return Page(http, t, t["questions.title"], FormPages.Questions(t, Empty, [], tokens.FormFieldName, tokens.RequestToken!));
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

    /// <summary>"How to leave this site quickly and cover your tracks", linked from the start page.</summary>
    public const string CoverTracksPath = "/leaving-quickly";

    public const string FeedbackPath = "/feedback";

    /// <summary>The pages of prose, each a title and a body in the catalogues ({page}.title, {page}.body.html).</summary>
    internal static readonly (string Path, string Page)[] ProsePages =
    [
        ("/about", "about"), (CoverTracksPath, "tracks"), ("/accessibility", "accessibility"), ("/privacy", "privacy"), ("/cookies", "cookies"),
    ];

    /// <summary>
    /// Leave this site: forget the session (the anti-forgery cookie, and anything else the browser keeps
    /// for this site), then go to the everyday exit page without telling it where the user came from.
    /// </summary>
    internal static IResult Leave(HttpContext http, WebFormOptions o, IOptions<AntiforgeryOptions> antiforgery)
    {
        http.Response.Cookies.Delete(antiforgery.Value.Cookie.Name!, new CookieOptions { Path = "/", Secure = http.Request.IsHttps, SameSite = SameSiteMode.Strict });
        // Browsers honour this only over HTTPS or on localhost; the cookie delete above covers the rest.
        http.Response.Headers["Clear-Site-Data"] = "\"cookies\", \"storage\"";
        return Results.Redirect(o.ExitUrl);
    }

    private static readonly FormAnswers Empty = new(new FormCollection([]));

    /// <summary>Questions answered: show the errors, or the answers to check.</summary>
    internal static async Task<IResult> CheckAsync(HttpContext http, IAntiforgery af, CancellationToken ct)
    {
        if (await ReadAsync(http, ct).ConfigureAwait(false) is not { } posted)
        {
            return PostFailed(http);
        }

        var t = Catalogue.ForPage(http);
        var tokens = af.GetAndStoreTokens(http);
        var (json, formErrors) = ReportQuestions.ToReport(posted.Answers);
        var read = ConcernReportReader.Read(JsonSerializer.SerializeToUtf8Bytes(json, AppJsonContext.Default.JsonObject));
        var errors = formErrors.Concat(read.Errors).Select(e => InWords(t, e)).ToList();
        var answers = Hidden(posted.Answers, tokens.FormFieldName, tokens.RequestToken!);
        if (errors.Count > 0 || read.Report is null)
        {
            return Page(http, t, t["questions.title"], FormPages.Questions(t, posted.Answers, errors, tokens.FormFieldName, tokens.RequestToken!), hasErrors: true,
                languageSwitch: SwitchForm(t, answers));
        }

        var hidden = answers + $"""<input type="hidden" name="submission" value="{Guid.NewGuid():N}">""";
        return Page(http, t, t["check.title"], FormPages.CheckAnswers(t, read.Report, hidden), languageSwitch: SwitchForm(t, answers));
    }

    internal static async Task<IResult> EditAsync(HttpContext http, IAntiforgery af, CancellationToken ct)
    {
        if (await ReadAsync(http, ct).ConfigureAwait(false) is not { } posted)
        {
            return PostFailed(http);
        }

        var t = Catalogue.ForPage(http);
        var tokens = af.GetAndStoreTokens(http);
        return Page(http, t, t["questions.title"], FormPages.Questions(t, posted.Answers, [], tokens.FormFieldName, tokens.RequestToken!),
            languageSwitch: SwitchForm(t, Hidden(posted.Answers, tokens.FormFieldName, tokens.RequestToken!)));
    }

    /// <summary>
    /// Send: through the one intake path; the check page's submission id is the Idempotency-Key, so a double send
    /// makes one referral. The confirmation says who will have it and when: the triage policy is pure, so it is
    /// run here for display (triage itself decides again, and records it).
    /// </summary>
    internal static async Task<IResult> SendAsync(HttpContext http, IAntiforgery af, IntakeService intake, TriagePolicy policy, HandOffPolicy handOff, CancellationToken ct)
    {
        if (await ReadAsync(http, ct).ConfigureAwait(false) is not { } posted)
        {
            return PostFailed(http);
        }

        var t = Catalogue.ForPage(http);
        var (json, formErrors) = ReportQuestions.ToReport(posted.Answers);
        var body = JsonSerializer.SerializeToUtf8Bytes(json, AppJsonContext.Default.JsonObject);
        var submission = posted.Form["submission"].ToString();
        var key = Guid.TryParseExact(submission, "N", out _) ? $"form-{submission}" : null;
        var outcome = formErrors.Count > 0
            ? new IntakeOutcome.Invalid(formErrors)
            : await intake.SubmitAsync(Partners.WebFormPartnerId, body, key, t, ct).ConfigureAwait(false);
        var tokens = af.GetAndStoreTokens(http);
        var answers = Hidden(posted.Answers, tokens.FormFieldName, tokens.RequestToken!);
        return outcome switch
        {
            IntakeOutcome.Accepted a =>
                Page(http, t, t["confirmation.title"], FormPages.Confirmation(t, a.Answer.Reference, a.Report, policy.Decide(a.Report), handOff)),
            IntakeOutcome.Invalid i => Page(http, t, t["questions.title"], FormPages.Questions(t, posted.Answers, [.. i.Errors.Select(e => InWords(t, e))], tokens.FormFieldName, tokens.RequestToken!),
                hasErrors: true, languageSwitch: SwitchForm(t, answers)),
            IntakeOutcome.Erased => Page(http, t, t["problem.erased.title"], FormPages.Problem(t, t["problem.erased.title"], t["problem.erased.body"]), status: StatusCodes.Status410Gone),
            IntakeOutcome.Unavailable => Page(http, t, t["problem.title"], FormPages.Problem(t, t["problem.not-sent.title"], t["problem.not-sent.body"]) + RetryForm(t, posted, answers),
                status: 503, languageSwitch: SwitchForm(t, answers)),
            _ => Page(http, t, t["problem.title"], FormPages.Problem(t, t["problem.title"], t["problem.start-again"]), status: 409),
        };
    }

    private static string RetryForm(Catalogue t, PostedForm posted, string answers) =>
        $"""<form method="post" action="{E(t.Link("/report/send"))}" novalidate>{answers}<input type="hidden" name="submission" value="{E(posted.Form["submission"])}"><button type="submit" class="govuk-button" data-module="govuk-button">{E(t["problem.not-sent.retry"])}</button></form>""";

    private sealed record PostedForm(IFormCollection Form, FormAnswers Answers);

    /// <summary>A form post within limits, from a client within its rate, with a valid anti-forgery token; else null and a reason.</summary>
    private static async Task<PostedForm?> ReadAsync(HttpContext http, CancellationToken ct) =>
        await ReadFormAsync(http, ct).ConfigureAwait(false) is { } form ? new PostedForm(form, new FormAnswers(form)) : null;

    /// <summary>Any of the service's form posts (the report, feedback): within limits, with a valid anti-forgery token; else null and a reason for <see cref="PostFailed"/>.</summary>
    internal static async Task<IFormCollection?> ReadFormAsync(HttpContext http, CancellationToken ct)
    {
        var t = Catalogue.ForPage(http);
        if (!http.Request.HasFormContentType)
        {
            http.Items[FailureKey] = (StatusCodes.Status415UnsupportedMediaType, t["problem.not-a-form"]);
            return null;
        }

        if (http.Request.ContentLength > MaxFormBytes)
        {
            http.Items[FailureKey] = (StatusCodes.Status413PayloadTooLarge, t["problem.too-long"]);
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
            http.Items[FailureKey] = (StatusCodes.Status413PayloadTooLarge, t["problem.too-long-or-not-a-form"]);
            return null;
        }

        var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            // Keep what they typed: show the questions again with a fresh token rather than lose a report.
            http.Items[FailureKey] = (StatusCodes.Status400BadRequest, t["problem.expired"]);
            http.Items[ExpiredAnswersKey] = new FormAnswers(form);
            return null;
        }

        return form;
    }

    /// <summary>Who is posting, for the per-client limit: the address the trusted edge saw (<see cref="Edge"/>).</summary>
    internal static string ClientKey(HttpContext http) => Hosting.Edge.ClientAddress(http);

    /// <summary>The page for a client over its rate (the rate limiter's answer for the form's routes).</summary>
    internal static IResult TooManyPosts(HttpContext http, TimeSpan retryAfter)
    {
        var t = Catalogue.ForPage(http);
        var seconds = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers.CacheControl = "no-cache, no-store";
        var message = t.Format("problem.too-many", seconds);
        return Page(http, t, t["problem.title"], FormPages.Problem(t, t["problem.title"], message), status: StatusCodes.Status429TooManyRequests);
    }

    private const string FailureKey = "webform.failure";
    private const string ExpiredAnswersKey = "webform.expired";

    internal static IResult PostFailed(HttpContext http)
    {
        var t = Catalogue.ForPage(http);
        var (status, message) = http.Items[FailureKey] is (int s, string m) ? (s, m) : (StatusCodes.Status400BadRequest, t["problem.try-again"]);
        if (http.Items[ExpiredAnswersKey] is FormAnswers answers && answers.Values.Any(v => v.Value.Length > 0))
        {
            var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
            var note = $"""<div class="govuk-inset-text">{E(t["problem.expired.kept"])}</div>""";
            return Page(http, t, t["questions.title"], note + FormPages.Questions(t, answers, [], tokens.FormFieldName, tokens.RequestToken!), status: status,
                languageSwitch: SwitchForm(t, Hidden(answers, tokens.FormFieldName, tokens.RequestToken!)));
        }

        return Page(http, t, t["problem.title"], FormPages.Problem(t, t["problem.title"], message), status: status);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A web form page failed ({Error}); answered 503")]
    private static partial void LogPageFailed(ILogger logger, string error);

    /// <summary>
    /// The validator's finding in the form's words and the page's language: error.{field}.{code} from the
    /// catalogue, else error.{code}. The rule is the validator's either way; only the words are the form's.
    /// </summary>
    internal static FieldError InWords(Catalogue t, FieldError error)
    {
        var field = error.Field == "reporter" ? "reporter.role" : error.Field;
        var question = field.Split('[')[0]; // concern.platforms[3] is the platforms question
        var words = t.Optional($"error.{question}.{error.Code}") ?? t.Optional($"error.{error.Code}") ?? t["error.invalid"];
        return new FieldError(field, string.Format(System.Globalization.CultureInfo.InvariantCulture, words,
            ConcernReportReader.DescriptionMinLength, ConcernReportReader.DescriptionMaxLength.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))
        { Code = error.Code };
    }
}

/// <summary>Settings of the web form (WebForm__…).</summary>
public sealed class WebFormOptions
{
    /// <summary>Where "Leave this site" goes: an everyday page that reveals nothing.</summary>
    public string ExitUrl { get; set; } = "https://www.bbc.co.uk/weather";

    public int PostsPerMinute { get; set; } = WebFormEndpoints.PostsPerMinutePerClient;

    /// <summary>All clients' form posts together, per instance: a flood from many addresses meets this (Front Door's WAF limits across instances).</summary>
    public int GlobalPostsPerMinute { get; set; } = 600;

    /// <summary>Feedback posts per client per minute.</summary>
    public int FeedbackPerMinute { get; set; } = 6;

    /// <summary>Who runs the service, as the privacy notice names the data controller. Set before launch.</summary>
    public string Controller { get; set; } = "the ReferralIntake service team (set WebForm__Controller before launch)";

    /// <summary>Where people write about privacy and accessibility. Set before launch: the default is a placeholder domain.</summary>
    public string ContactEmail { get; set; } = "help@referralintake.example";
}
