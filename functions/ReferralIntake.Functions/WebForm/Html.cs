using System.Text;
using System.Text.Encodings.Web;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Localisation;

namespace ReferralIntake.Functions.WebForm;

/// <summary>GOV.UK Frontend markup for the web form's pages. Every value is HTML-encoded.</summary>
public static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    /// <summary>The contract path as an element id: child.postcode becomes child-postcode.</summary>
    public static string Id(string field) => field.Replace('.', '-').Replace('[', '-').Replace("]", "", StringComparison.Ordinal);

    public const string ForceServiceName = "Referrals for police forces";

    /// <summary>
    /// A page of the parent and child service, in the catalogue's language: the quick exit on every page,
    /// the English | Cymraeg switch, and the statements and helplines in the footer. The switch links to this
    /// page in the other language, unless the page was reached by a post: then <paramref name="languageSwitch"/>
    /// (a form that carries the answers over) does it, so switching never loses what was typed.
    /// </summary>
    public static IResult Page(HttpContext http, Catalogue t, string title, string main, bool hasErrors = false, int status = 200, string? languageSwitch = null) =>
        Document(t.Code, t["service.name"], $"{(hasErrors ? t["page.error-prefix"] : "")}{title}", main, t.Link("/"),
            LanguageSwitch(t, languageSwitch ?? SwitchLink(t, http.Request.Method == HttpMethods.Get ? http.Request.Path.Value ?? "/" : "/")) + QuickExit(t),
            Footer(t), t["page.skip-link"], status);

    /// <summary>A page of the force view: the force's own service name, no quick exit (it is staff who read it), English only.</summary>
    public static IResult ForcePage(string title, string main, string? signedInAs = null, bool hasErrors = false, int status = 200) =>
        Document("en", ForceServiceName, $"{(hasErrors ? "Error: " : "")}{title}", main, "/force", "", signedInAs is null ? ""
            : $"""<p class="govuk-body-s">Signed in as {E(signedInAs)}.</p><form method="post" action="/force/sign-out">{SignOutButton}</form>""",
            "Skip to main content", status);

    private const string SignOutButton = """<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Sign out</button>""";

    /// <summary>The link to a page in the other language (the same page, for a page reached by a link).</summary>
    private static string SwitchLink(Catalogue t, string path) =>
        $"""<a href="{E(t.Other.Link(path))}" hreflang="{t.Other.Code}" lang="{t.Other.Code}" rel="alternate" class="govuk-link app-language-select__link"><span class="govuk-visually-hidden">{E(t.Other["language.switch-hidden"])}</span><span aria-hidden="true">{E(t.Other["language.name"])}</span></a>""";

    /// <summary>The switch as a form that posts what was typed to the questions in the other language.</summary>
    public static string SwitchForm(Catalogue t, string hiddenFields) =>
        $"""<form method="post" action="{E(t.Other.Link("/report/edit"))}" novalidate class="app-language-select__form">{hiddenFields}<button type="submit" lang="{t.Other.Code}" class="app-language-select__button"><span class="govuk-visually-hidden">{E(t.Other["language.switch-hidden"])}</span><span aria-hidden="true">{E(t.Other["language.name"])}</span></button></form>""";

    private static string LanguageSwitch(Catalogue t, string other)
    {
        var english = t.Language == Localisation.Language.English;
        var current = $"""<span aria-current="true">{E(t["language.name"])}</span>""";
        return $"""
            <nav class="app-language-select" aria-label="{E(t["language.nav-label"])}">
              <ul class="app-language-select__list">
                <li class="app-language-select__list-item">{(english ? current : other)}</li>
                <li class="app-language-select__list-item">{(english ? other : current)}</li>
              </ul>
            </nav>
            """;
    }

    /// <summary>GOV.UK Frontend's Exit this page, pointing at the app's own /leave (which clears the session first).</summary>
    private static string QuickExit(Catalogue t) => $"""
            <div class="govuk-exit-this-page" data-module="govuk-exit-this-page"
                 data-i18n.activated="{E(t["exit.activated"])}" data-i18n.timed-out="{E(t["exit.timed-out"])}"
                 data-i18n.press-two-more-times="{E(t["exit.press-two-more-times"])}" data-i18n.press-one-more-time="{E(t["exit.press-one-more-time"])}">
              <a href="{WebFormEndpoints.LeavePath}" role="button" draggable="false" rel="nofollow noreferrer" id="leave-this-site"
                 class="govuk-button govuk-button--warning govuk-exit-this-page__button govuk-js-exit-this-page-button" data-module="govuk-button">
                <span class="govuk-visually-hidden">{E(t["exit.hidden-prefix"])}</span> {E(t["exit.button"])}
              </a>
            </div>
        """;

    private static string Footer(Catalogue t)
    {
        string Item(string path, string key) =>
            $"""<li class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="{E(t.Link(path))}">{E(t[key])}</a></li>""";
        return $"""
                  <ul class="govuk-footer__inline-list">
                    {Item("/accessibility", "footer.accessibility")}
                    {Item("/privacy", "footer.privacy")}
                    {Item("/cookies", "footer.cookies")}
                    {Item("/about", "footer.about")}
                    {Item("/statistics", "footer.statistics")}
                    {Item("/feedback", "footer.feedback")}
                  </ul>
                  <p class="govuk-body-s">{E(t["footer.helplines"])}</p>
            """;
    }

    private static IResult Document(string lang, string serviceName, string title, string main, string serviceHref, string beforeMain, string footer, string skipLink, int status) => Results.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="{{lang}}" class="govuk-template">
        <head>
          <meta charset="utf-8">
          <title>{{E(title)}} – {{E(serviceName)}}</title>
          <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
          <meta name="robots" content="noindex, nofollow">
          <meta name="referrer" content="no-referrer">
          <link rel="stylesheet" href="/assets/govuk-frontend.min.css">
          <link rel="stylesheet" href="/assets/app.css">
        </head>
        <body class="govuk-template__body">
          <script src="/assets/js-enabled.js"></script>
          <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">{{E(skipLink)}}</a>
          <section aria-label="{{(lang == "cy" ? "Gwybodaeth am y gwasanaeth" : "Service information")}}" class="govuk-service-navigation">
            <div class="govuk-width-container">
              <div class="govuk-service-navigation__container">
                <span class="govuk-service-navigation__service-name">
                  <a href="{{E(serviceHref)}}" class="govuk-service-navigation__link">{{E(serviceName)}}</a>
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
                  <h2 class="govuk-visually-hidden">{{(lang == "cy" ? "Dolenni cymorth" : "Support links")}}</h2>
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

    public static string ErrorSummary(Catalogue t, IReadOnlyList<FieldError> errors)
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
                <h2 class="govuk-error-summary__title">{E(t["error.summary-title"])}</h2>
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
    public static string ErrorMessage(Catalogue t, string? message, string? id = null) => message is null ? "" :
        $"""<p {(id is null ? "" : $"id=\"{id}\" ")}class="govuk-error-message"><span class="govuk-visually-hidden">{E(t["error.prefix"])}</span> {E(message)}</p>""";

    public static string Group(string? error, string inner) =>
        $"""<div class="govuk-form-group{(error is null ? "" : " govuk-form-group--error")}">{inner}</div>""";

    public static string TextInput(Catalogue t, string field, string label, string value, string? error, string? hint = null,
        string classes = "", string type = "text", string? autocomplete = null, string? inputmode = null, int? maxLength = null)
    {
        var id = Id(field);
        var describedBy = string.Join(' ', new[] { hint is null ? null : $"{id}-hint", error is null ? null : $"{id}-error" }.Where(x => x is not null));
        return Group(error, $"""
            <label class="govuk-label" for="{id}">{E(label)}</label>
            {(hint is null ? "" : $"""<div id="{id}-hint" class="govuk-hint">{E(hint)}</div>""")}
            {ErrorMessage(t, error, $"{id}-error")}
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
