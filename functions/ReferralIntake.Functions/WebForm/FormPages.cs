using System.Text;
using ReferralIntake.Domain.Advice;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Localisation;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.WebForm;

/// <summary>
/// The content of each page of the web form: start, questions, check answers, confirmation, and the
/// statements. Every word comes from the language's catalogue (Localisation/en.json, cy.json); every link
/// and form keeps the page's language.
/// </summary>
public static class FormPages
{
    public static string Start(Catalogue t) => $"""
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
          <h1 class="govuk-heading-xl">{E(t["service.name"])}</h1>
          <div class="govuk-panel govuk-panel--emergency" id="emergency">
            <h2 class="govuk-panel__title">{E(t["start.emergency.title"])}</h2>
            <div class="govuk-panel__body">{E(t["start.emergency.body"])}</div>
          </div>
          {t.Html("start.intro.html")}
          <a href="{E(t.Link("/report"))}" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">
            {E(t["start.button"])}
            <svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg>
          </a>
          <h2 class="govuk-heading-m">{E(t["start.leave.title"])}</h2>
          <p class="govuk-body">{E(t["start.leave.body"])}</p>
          <p class="govuk-body"><a class="govuk-link" href="{E(t.Link(WebFormEndpoints.CoverTracksPath))}">{E(t["tracks.title"])}</a></p>
          <h2 class="govuk-heading-m">{E(t["start.help.title"])}</h2>
          {t.Html("start.help.html")}
        </div></div>
        """;

    public static string Questions(Catalogue t, FormAnswers a, IReadOnlyList<FieldError> errors, string antiforgeryName, string antiforgeryToken)
    {
        string? Err(string field) => errors.FirstOrDefault(e => Anchor(e.Field) == field)?.Message;
        var html = new StringBuilder();
        html.Append(ErrorSummary(t, errors));
        html.Append($"""
            <h1 class="govuk-heading-l">{E(t["questions.title"])}</h1>
            <p class="govuk-body">{E(t["questions.intro"])}</p>
            <form method="post" action="{E(t.Link("/report"))}" novalidate>
            <input type="hidden" name="{E(antiforgeryName)}" value="{E(antiforgeryToken)}">
            """);

        // Who you are
        var roleError = Err("reporter.role");
        var roles = new StringBuilder();
        for (var i = 0; i < ReportQuestions.Roles.Length; i++)
        {
            var value = ReportQuestions.Roles[i];
            var hint = t.Optional($"role.{value}.hint");
            var id = i == 0 ? "reporter-role" : $"reporter-role-{value}";
            roles.Append($"""
                <div class="govuk-radios__item">
                  <input class="govuk-radios__input" id="{id}" name="reporter.role" type="radio" value="{value}"{(a["reporter.role"] == value ? " checked" : "")}{(hint is null ? "" : $" aria-describedby=\"{id}-hint\"")}>
                  <label class="govuk-label govuk-radios__label" for="{id}">{E(t[$"role.{value}"])}</label>
                  {(hint is null ? "" : $"""<div id="{id}-hint" class="govuk-hint govuk-radios__hint">{E(hint)}</div>""")}
                </div>
                """);
        }

        html.Append(Group(roleError, $"""
            <fieldset class="govuk-fieldset"{(roleError is null ? "" : " aria-describedby=\"reporter-role-error\"")}>
              <legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">{E(t["questions.role"])}</h2></legend>
              {ErrorMessage(t, roleError, "reporter-role-error")}
              <div class="govuk-radios" data-module="govuk-radios">{roles}</div>
            </fieldset>
            """));

        // About the child
        html.Append($"""<h2 class="govuk-heading-m">{E(t["questions.child"])}</h2>""");
        html.Append(TextInput(t, "child.firstName", t["questions.child.firstName"], a["child.firstName"], Err("child.firstName"), classes: "govuk-!-width-one-half", autocomplete: "off"));
        html.Append(TextInput(t, "child.age", t["questions.child.age"], a["child.age"], Err("child.age"), hint: t["questions.child.age.hint"], classes: "govuk-input--width-2", inputmode: "numeric"));
        html.Append(TextInput(t, "child.postcode", t["questions.child.postcode"], a["child.postcode"], Err("child.postcode"),
            hint: t["questions.child.postcode.hint"], classes: "govuk-input--width-10", autocomplete: "postal-code"));

        // What happened
        var descriptionError = Err("concern.description");
        html.Append(Group(descriptionError, $"""
            <div class="govuk-character-count" data-module="govuk-character-count" data-maxlength="{ConcernReportReader.DescriptionMaxLength}"
              {CharacterCountTexts(t)}>
              <h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="concern-description">{E(t["questions.description"])}</label></h2>
              <div id="concern-description-hint" class="govuk-hint">{E(t["questions.description.hint"])}</div>
              {ErrorMessage(t, descriptionError, "concern-description-error")}
              <textarea class="govuk-textarea govuk-js-character-count{(descriptionError is null ? "" : " govuk-textarea--error")}" id="concern-description" name="concern.description" rows="8"
                aria-describedby="concern-description-info concern-description-hint{(descriptionError is null ? "" : " concern-description-error")}">{E(a["concern.description"])}</textarea>
              <div id="concern-description-info" class="govuk-hint govuk-character-count__message">{E(t.Format("questions.description.limit", ConcernReportReader.DescriptionMaxLength.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}</div>
            </div>
            """));

        var indicatorError = Err("concern.indicators");
        var meetingError = Err(ReportQuestions.MeetingDay);
        var boxes = new StringBuilder();
        for (var i = 0; i < ReportQuestions.Indicators.Length; i++)
        {
            var indicator = ReportQuestions.Indicators[i];
            var value = WireNames.Of(indicator);
            var hint = t.Optional($"indicator.{value}.hint");
            var id = i == 0 ? "concern-indicators" : $"concern-indicators-{value}";
            var isMeeting = indicator == Indicator.MeetingArranged;
            boxes.Append($"""
                <div class="govuk-checkboxes__item">
                  <input class="govuk-checkboxes__input" id="{id}" name="concern.indicators" type="checkbox" value="{value}"{(a.Indicators.Contains(value) ? " checked" : "")}{(hint is null ? "" : $" aria-describedby=\"{id}-hint\"")}{(isMeeting ? " data-aria-controls=\"conditional-meeting\"" : "")}>
                  <label class="govuk-label govuk-checkboxes__label" for="{id}">{E(t[$"indicator.{value}"])}</label>
                  {(hint is null ? "" : $"""<div id="{id}-hint" class="govuk-hint govuk-checkboxes__hint">{E(hint)}</div>""")}
                </div>
                """);
            if (isMeeting)
            {
                boxes.Append(MeetingFields(t, a, meetingError));
            }
        }

        html.Append(Group(indicatorError, $"""
            <fieldset class="govuk-fieldset" aria-describedby="concern-indicators-hint">
              <legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">{E(t["questions.indicators"])}</h2></legend>
              <div id="concern-indicators-hint" class="govuk-hint">{E(t["questions.indicators.hint"])}</div>
              {ErrorMessage(t, indicatorError)}
              <div class="govuk-checkboxes" data-module="govuk-checkboxes">{boxes}</div>
            </fieldset>
            """));

        html.Append(TextInput(t, "concern.platforms", t["questions.platforms"], a["concern.platforms"], Err("concern.platforms"),
            hint: t["questions.platforms.hint"], autocomplete: "off"));

        // About the person
        html.Append($"""<h2 class="govuk-heading-m">{E(t["questions.suspect"])}</h2><p class="govuk-body">{E(t["questions.suspect.intro"])}</p>""");
        html.Append(TextInput(t, "suspect.usernames", t["questions.suspect.usernames"], a["suspect.usernames"], Err("suspect.usernames"), hint: t["questions.suspect.usernames.hint"], autocomplete: "off"));
        html.Append(TextInput(t, "suspect.approximateAge", t["questions.suspect.age"], a["suspect.approximateAge"], Err("suspect.approximateAge"), classes: "govuk-input--width-3", inputmode: "numeric"));
        html.Append(TextInput(t, "suspect.location", t["questions.suspect.location"], a["suspect.location"], Err("suspect.location"), autocomplete: "off"));

        // How we may contact you
        html.Append($"""<h2 class="govuk-heading-m">{E(t["questions.contact"])}</h2><p class="govuk-body">{E(t["questions.contact.intro"])}</p>""");
        html.Append(TextInput(t, "reporter.name", t["questions.contact.name"], a["reporter.name"], Err("reporter.name"), autocomplete: "name"));
        html.Append(TextInput(t, "reporter.email", t["questions.contact.email"], a["reporter.email"], Err("reporter.email"), type: "email", autocomplete: "email"));
        html.Append(TextInput(t, "reporter.phone", t["questions.contact.phone"], a["reporter.phone"], Err("reporter.phone"), type: "tel", autocomplete: "tel", classes: "govuk-input--width-20"));
        html.Append($"""
            <div class="govuk-form-group"><div class="govuk-checkboxes govuk-checkboxes--small">
              <div class="govuk-checkboxes__item">
                <input class="govuk-checkboxes__input" id="reporter-contactConsent" name="reporter.contactConsent" type="checkbox" value="yes"{(a["reporter.contactConsent"] == "yes" ? " checked" : "")}>
                <label class="govuk-label govuk-checkboxes__label" for="reporter-contactConsent">{E(t["questions.contact.consent"])}</label>
              </div>
            </div></div>
            <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">{E(t["button.continue"])}</button>
            </form>
            """);
        return html.ToString();
    }

    /// <summary>The character count's live messages, in the page's language (GOV.UK Frontend's data-i18n attributes).</summary>
    internal static string CharacterCountTexts(Catalogue t) =>
        $"""data-i18n.characters-under-limit.one="{E(t["count.under.one"])}" data-i18n.characters-under-limit.other="{E(t["count.under.other"])}" data-i18n.characters-at-limit="{E(t["count.at"])}" data-i18n.characters-over-limit.one="{E(t["count.over.one"])}" data-i18n.characters-over-limit.other="{E(t["count.over.other"])}" data-i18n.textarea-description.other="{E(t["count.description"])}" """;

    private static string MeetingFields(Catalogue t, FormAnswers a, string? error)
    {
        string Box(string name, string label, string width) => $"""
            <div class="govuk-date-input__item"><div class="govuk-form-group">
              <label class="govuk-label govuk-date-input__label" for="{name}">{E(label)}</label>
              <input class="govuk-input govuk-date-input__input {width}{(error is null ? "" : " govuk-input--error")}" id="{name}" name="{name}" type="text" inputmode="numeric" value="{E(a[name])}">
            </div></div>
            """;
        return $"""
            <div class="govuk-checkboxes__conditional govuk-checkboxes__conditional--hidden" id="conditional-meeting">
              {Group(error, $"""
                <fieldset class="govuk-fieldset" role="group" aria-describedby="meeting-hint{(error is null ? "" : " meeting-error")}">
                  <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{E(t["questions.meeting"])}</legend>
                  <div id="meeting-hint" class="govuk-hint">{E(t["questions.meeting.hint"])}</div>
                  {ErrorMessage(t, error, "meeting-error")}
                  <div class="govuk-date-input">{Box(ReportQuestions.MeetingDay, t["questions.meeting.day"], "govuk-input--width-2")}{Box(ReportQuestions.MeetingMonth, t["questions.meeting.month"], "govuk-input--width-2")}{Box(ReportQuestions.MeetingYear, t["questions.meeting.year"], "govuk-input--width-4")}{Box(ReportQuestions.MeetingTime, t["questions.meeting.time"], "govuk-input--width-4")}</div>
                </fieldset>
                """)}
            </div>
            """;
    }

    public static string CheckAnswers(Catalogue t, ConcernReport report, string hiddenFields)
    {
        string Row(string key, string? value) => $"""
            <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{E(t[key])}</dt><dd class="govuk-summary-list__value">{(string.IsNullOrWhiteSpace(value) ? E(t["check.not-given"]) : E(value).Replace("\n", "<br>", StringComparison.Ordinal))}</dd></div>
            """;
        var ticked = ReportQuestions.Indicators.Where(report.Concern.Has).Select(i => t[$"indicator.{WireNames.Of(i)}"]).ToList();
        var meeting = report.Concern.MeetingAt is { } at ? MeetingWords(t, at) : null;
        string? Number(int? n) => n?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <h1 class="govuk-heading-l">{E(t["check.title"])}</h1>
            <dl class="govuk-summary-list">
              {Row("check.role", t[$"role.{WireNames.Of(report.Reporter.Role)}"])}
              {Row("check.child.firstName", report.Child.FirstName)}
              {Row("check.child.age", Number(report.Child.Age))}
              {Row("check.child.postcode", report.Child.Postcode?.Canonical)}
              {Row("check.description", report.Concern.Description)}
              {Row("check.indicators", ticked.Count == 0 ? null : string.Join("\n", ticked))}
              {(report.Concern.Has(Indicator.MeetingArranged) ? Row("check.meeting", meeting ?? t["check.meeting.unknown"]) : "")}
              {Row("check.platforms", string.Join(", ", report.Concern.Platforms))}
              {Row("check.suspect.usernames", string.Join(", ", report.Suspect.Usernames))}
              {Row("check.suspect.age", Number(report.Suspect.ApproximateAge))}
              {Row("check.suspect.location", report.Suspect.Location)}
              {Row("check.contact.name", report.Reporter.Name)}
              {Row("check.contact.email", report.Reporter.Email)}
              {Row("check.contact.phone", report.Reporter.Phone)}
              {Row("check.contact.consent", report.Reporter.ContactConsent ? t["check.yes"] : t["check.no"])}
            </dl>
            <form method="post" action="{E(t.Link("/report/edit"))}" novalidate>{hiddenFields}
              <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">{E(t["check.change"])}</button>
            </form>
            <h2 class="govuk-heading-m">{E(t["check.send.title"])}</h2>
            <p class="govuk-body">{E(t["check.send.body"])}</p>
            <form method="post" action="{E(t.Link("/report/send"))}" novalidate>{hiddenFields}
              <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">{E(t["check.send.button"])}</button>
            </form>
            </div></div>
            """;
    }

    /// <summary>A meeting time as the form asked for it: UK local date and time.</summary>
    private static string MeetingWords(Catalogue t, DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, ReportQuestions.UkTime);
        return t.Format("check.meeting.at", t.Date(local.DateTime), local.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Report sent: the reference, who will have the report and by when (from the decision triage will make:
    /// the policy is pure, run here for display only), what the police may do, the advice that fits, and
    /// how to keep a copy safely.
    /// </summary>
    public static string Confirmation(Catalogue t, string reference, ConcernReport report, TriageDecision decision, HandOffPolicy handOff)
    {
        var advice = new StringBuilder();
        var advices = AcknowledgementAdvice.For(report);
        foreach (var a in advices)
        {
            advice.Append(a.Kind switch
            {
                "emergency" => $"""<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">{E(t["page.warning"])}</span> {E(t[a.TextKey])}</strong></div>""",
                // Blackmail: set apart where a frightened reader cannot miss it, the steps as a list; no script needed.
                "blackmail" => $"""<div class="govuk-inset-text app-advice-steps" data-advice="blackmail"><p class="govuk-body govuk-!-font-weight-bold">{E(t[a.TextKey])}</p><ul class="govuk-list govuk-list--bullet">{string.Concat(a.StepKeys.Select(step => $"<li>{E(t[step])}</li>"))}</ul></div>""",
                _ => $"""<p class="govuk-body" data-advice="{E(a.Kind)}">{E(t[a.TextKey])}</p>""",
            });
        }

        var child = report.Reporter.IsChild;
        // A child being blackmailed needs "don't pay, don't delete" before anything about what happens next.
        var help = $"""<h2 class="govuk-heading-m">{E(t["confirmation.help.title"])}</h2>{advice}""";
        var blackmail = advices.Any(a => a.Kind == "blackmail");
        return $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <div class="govuk-panel govuk-panel--confirmation">
              <h1 class="govuk-panel__title">{E(t["confirmation.title"])}</h1>
              <div class="govuk-panel__body">{E(t["confirmation.reference"])}<br><strong id="reference">{E(reference)}</strong></div>
            </div>
            <p class="govuk-body">{E(t[child ? "confirmation.thanks.child" : "confirmation.thanks"])} {E(t["confirmation.keep-reference"])}</p>
            {(blackmail ? help : "")}
            <h2 class="govuk-heading-m">{E(t["confirmation.next.title"])}</h2>
            {WhoAndWhen(t, decision, handOff)}
            <h2 class="govuk-heading-m">{E(t["confirmation.police.title"])}</h2>
            <p class="govuk-body">{E(t["confirmation.police.body"])}</p>
            <p class="govuk-body">{E(t[report.Reporter.ContactConsent && (report.Reporter.Email ?? report.Reporter.Phone) is not null ? "confirmation.police.contact" : "confirmation.police.no-contact"])}</p>
            {(blackmail ? "" : help)}
            <h2 class="govuk-heading-m">{E(t["confirmation.evidence.title"])}</h2>
            <p class="govuk-body">{E(t["confirmation.evidence.body"])}</p>
            <h2 class="govuk-heading-m">{E(t["confirmation.copy.title"])}</h2>
            <div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">{E(t["page.warning"])}</span> {E(t["confirmation.copy.warning"])}</strong></div>
            <p class="govuk-body app-print-link"><a class="govuk-link" href="#" data-module="app-print">{E(t["confirmation.copy.print"])}</a></p>
            <p class="govuk-body app-no-js-only">{E(t["confirmation.copy.no-js"])}</p>
            <h2 class="govuk-heading-m">{E(t["confirmation.feedback.title"])}</h2>
            <p class="govuk-body"><a class="govuk-link" href="{E(t.Link(WebFormEndpoints.FeedbackPath))}">{E(t["confirmation.feedback.link"])}</a></p>
            </div></div>
            """;
    }

    /// <summary>Who will have the report and when: the police route's force (or CEOP), by TRIAGE.md's delivery deadline for its priority.</summary>
    public static string WhoAndWhen(Catalogue t, TriageDecision decision, HandOffPolicy handOff)
    {
        var police = decision.Routes.FirstOrDefault(r => r.Kind is RouteKind.PoliceForce);
        var ceop = decision.Routes.Any(r => r.Kind is RouteKind.Ceop);
        if (police is null && !ceop)
        {
            // P4: signposting only. Nothing goes to the police, and the reporter is told so plainly.
            return $"""<p class="govuk-body" id="who-and-when">{E(t["confirmation.next.none"])}</p>""";
        }

        var who = police?.Force is { } force ? t.Optional($"force.{force.Id}") ?? force.Name : t["confirmation.next.ceop-name"];
        var when = handOff.DeadlinesFor(decision.Priority).FirstOrDefault(d => !d.Acknowledged)?.After is { } after
            ? t[after <= TimeSpan.FromMinutes(15) ? "when.minutes" : after <= TimeSpan.FromHours(1) ? "when.hour" : "when.day"]
            : t["when.day"];
        var html = new StringBuilder();
        html.Append($"""<p class="govuk-body" id="who-and-when">{E(t.Format(police is null ? "confirmation.next.ceop" : "confirmation.next.police", who, when))}</p>""");
        if (police is { LocationUncertain: true })
        {
            html.Append($"""<p class="govuk-body">{E(t["confirmation.next.border"])}</p>""");
        }

        if (police is null)
        {
            html.Append($"""<p class="govuk-body">{E(t["confirmation.next.ceop-why"])}</p>""");
        }

        if (decision.Priority == Priority.P1)
        {
            html.Append($"""<div class="govuk-inset-text" id="urgent">{E(t["confirmation.next.urgent"])}</div>""");
        }

        return html.ToString();
    }

    public static string Problem(Catalogue t, string heading, string text) =>
        $"""<h1 class="govuk-heading-l">{E(heading)}</h1><p class="govuk-body">{E(text)}</p><p class="govuk-body">{E(t["advice.emergency"])}</p>""";

    /// <summary>A page of prose from the catalogue: a title and its markup (the statements, cover your tracks, about).</summary>
    public static string Prose(Catalogue t, string page, params (string Name, string Value)[] fills)
    {
        var body = t.Html($"{page}.body.html");
        foreach (var (name, value) in fills)
        {
            body = body.Replace($"{{{name}}}", E(value), StringComparison.Ordinal);
        }

        return $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <h1 class="govuk-heading-l">{E(t[$"{page}.title"])}</h1>
            {body}
            </div></div>
            """;
    }
}
