using System.Text;
using System.Text.Encodings.Web;
using ReferralIntake.Domain.Reports;

namespace ReferralIntake.Functions.WebForm;

/// <summary>GOV.UK Frontend markup for the web form's pages. Every value is HTML-encoded.</summary>
public static class Html
{
    public const string ServiceName = "Report a worry about a child online";

    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    /// <summary>The contract path as an element id: child.postcode becomes child-postcode.</summary>
    public static string Id(string field) => field.Replace('.', '-').Replace('[', '-').Replace("]", "", StringComparison.Ordinal);

    public const string ForceServiceName = "Referrals for police forces";

    /// <summary>A page of the parent and child form: the quick exit on every page, and the helplines in the footer.</summary>
    public static IResult Page(string title, string main, bool hasErrors = false, int status = 200) =>
        Document(title, main, ServiceName, "/", QuickExit, ParentFooter, hasErrors, status);

    /// <summary>A page of the force view: the force's own service name, no quick exit (it is staff who read it).</summary>
    public static IResult ForcePage(string title, string main, string? signedInAs = null, bool hasErrors = false, int status = 200) =>
        Document(title, main, ForceServiceName, "/force", "", signedInAs is null ? ""
            : $"""<p class="govuk-body-s">Signed in as {E(signedInAs)}.</p><form method="post" action="/force/sign-out">{SignOutButton}</form>""",
            hasErrors, status);

    private const string SignOutButton = """<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Sign out</button>""";

    private static readonly string QuickExit = $"""
            <div class="govuk-exit-this-page" data-module="govuk-exit-this-page">
              <a href="{WebFormEndpoints.LeavePath}" role="button" draggable="false" rel="nofollow noreferrer" id="leave-this-site"
                 class="govuk-button govuk-button--warning govuk-exit-this-page__button govuk-js-exit-this-page-button" data-module="govuk-button">
                <span class="govuk-visually-hidden">Emergency</span> Leave this site
              </a>
            </div>
        """;

    private const string ParentFooter = """
                  <ul class="govuk-footer__inline-list">
                    <li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/about">About this service, privacy and data sources</a></li>
                  </ul>
                  <p class="govuk-body-s">Childline: 0800 1111. NSPCC Helpline: 0808 800 5000. In an emergency, call 999.</p>
        """;

    private static IResult Document(string title, string main, string serviceName, string serviceHref, string beforeMain, string footer, bool hasErrors, int status) => Results.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="en" class="govuk-template">
        <head>
          <meta charset="utf-8">
          <title>{{(hasErrors ? "Error: " : "")}}{{E(title)}} – {{serviceName}}</title>
          <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
          <meta name="robots" content="noindex, nofollow">
          <meta name="referrer" content="no-referrer">
          <link rel="stylesheet" href="/assets/govuk-frontend.min.css">
          <link rel="stylesheet" href="/assets/app.css">
        </head>
        <body class="govuk-template__body">
          <script src="/assets/js-enabled.js"></script>
          <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
          <section aria-label="Service information" class="govuk-service-navigation">
            <div class="govuk-width-container">
              <div class="govuk-service-navigation__container">
                <span class="govuk-service-navigation__service-name">
                  <a href="{{serviceHref}}" class="govuk-service-navigation__link">{{serviceName}}</a>
                </span>
              </div>
            </div>
          </section>
          <div class="govuk-width-container">
            {{beforeMain}}
            <main class="govuk-main-wrapper" id="main-content">
              {{main}}
            </main>
          </div>
          <footer class="govuk-footer">
            <div class="govuk-width-container">
              <div class="govuk-footer__meta">
                <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
                  <h2 class="govuk-visually-hidden">Support links</h2>
                  {{footer}}
                </div>
              </div>
            </div>
          </footer>
          <script type="module" src="/assets/app.mjs"></script>
        </body>
        </html>
        """,
        "text/html; charset=utf-8",
        Encoding.UTF8,
        status);

    public static string ErrorSummary(IReadOnlyList<FieldError> errors)
    {
        if (errors.Count == 0)
        {
            return "";
        }

        var items = new StringBuilder();
        foreach (var error in errors)
        {
            items.Append($"""<li><a href="#{Id(Anchor(error.Field))}">{E(error.Message)}</a></li>""");
        }

        return $"""
            <div class="govuk-error-summary" data-module="govuk-error-summary">
              <div role="alert">
                <h2 class="govuk-error-summary__title">There is a problem</h2>
                <div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">{items}</ul></div>
              </div>
            </div>
            """;
    }

    /// <summary>Where an error's link goes: list items and whole sections point at their first input.</summary>
    public static string Anchor(string field) => field switch
    {
        "" or "concern" => "concern.description",
        "reporter" => "reporter.role",
        _ when field.StartsWith("concern.indicators", StringComparison.Ordinal) => "concern.indicators",
        _ when field.StartsWith("concern.platforms", StringComparison.Ordinal) => "concern.platforms",
        _ when field.StartsWith("suspect.usernames", StringComparison.Ordinal) => "suspect.usernames",
        "concern.meetingAt" => ReportQuestions.MeetingDay,
        _ => field,
    };

    /// <summary>An inline error; <paramref name="id"/> is what the field's aria-describedby points at.</summary>
    public static string ErrorMessage(string? message, string? id = null) => message is null ? "" :
        $"""<p {(id is null ? "" : $"id=\"{id}\" ")}class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {E(message)}</p>""";

    public static string Group(string? error, string inner) =>
        $"""<div class="govuk-form-group{(error is null ? "" : " govuk-form-group--error")}">{inner}</div>""";

    public static string TextInput(string field, string label, string value, string? error, string? hint = null,
        string classes = "", string type = "text", string? autocomplete = null, string? inputmode = null, int? maxLength = null)
    {
        var id = Id(field);
        var describedBy = string.Join(' ', new[] { hint is null ? null : $"{id}-hint", error is null ? null : $"{id}-error" }.Where(x => x is not null));
        return Group(error, $"""
            <label class="govuk-label" for="{id}">{E(label)}</label>
            {(hint is null ? "" : $"""<div id="{id}-hint" class="govuk-hint">{E(hint)}</div>""")}
            {ErrorMessage(error, $"{id}-error")}
            <input class="govuk-input {classes}{(error is null ? "" : " govuk-input--error")}" id="{id}" name="{field}" type="{type}" value="{E(value)}"
              {(describedBy.Length == 0 ? "" : $"aria-describedby=\"{describedBy}\"")} {(autocomplete is null ? "" : $"autocomplete=\"{autocomplete}\"")}
              {(inputmode is null ? "" : $"inputmode=\"{inputmode}\"")} {(maxLength is null ? "" : $"maxlength=\"{maxLength}\"")} spellcheck="false">
            """);
    }

    public static string Hidden(FormAnswers answers, string antiforgeryName, string antiforgeryToken)
    {
        var fields = new StringBuilder();
        fields.Append($"""<input type="hidden" name="{E(antiforgeryName)}" value="{E(antiforgeryToken)}">""");
        foreach (var (name, value) in answers.Values)
        {
            fields.Append($"""<input type="hidden" name="{name}" value="{E(value)}">""");
        }

        foreach (var indicator in answers.Indicators)
        {
            fields.Append($"""<input type="hidden" name="concern.indicators" value="{E(indicator)}">""");
        }

        return fields.ToString();
    }
}
