using System.Text;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Api;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.WebForm;

/// <summary>The content of each page of the web form: start, questions, check answers, confirmation, about.</summary>
public static class FormPages
{
    public static string Start() => """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
          <h1 class="govuk-heading-xl">Report a worry about a child online</h1>
          <div class="govuk-panel govuk-panel--emergency" id="emergency">
            <h2 class="govuk-panel__title">If a child is in immediate danger, call 999</h2>
            <div class="govuk-panel__body">Do this first. You can come back to this form afterwards.</div>
          </div>
          <p class="govuk-body">Use this form if you are worried that an adult is contacting a child online in a sexual way, or to get them alone. This is sometimes called grooming.</p>
          <p class="govuk-body">You can use it if you are a parent or carer, if you work with children, or if you are the young person it is happening to.</p>
          <p class="govuk-body">We send your report to the police force where the child lives, or to the National Crime Agency's CEOP team if we do not know where that is. We also tell you where to get help straight away.</p>
          <p class="govuk-body">It takes about 10 minutes. Only two questions must be answered: who you are, and what happened.</p>
          <a href="/report" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">
            Start now
            <svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false"><path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/></svg>
          </a>
          <h2 class="govuk-heading-m">If you need to leave quickly</h2>
          <p class="govuk-body">Select "Leave this site" at the top of any page to go to the BBC weather page at once. With the keyboard, press Shift three times.</p>
          <h2 class="govuk-heading-m">Other help</h2>
          <ul class="govuk-list govuk-list--bullet">
            <li>For a non-emergency, call the police on 101.</li>
            <li>Young people can talk to Childline, free and in confidence: 0800 1111 or www.childline.org.uk.</li>
            <li>Adults worried about a child can call the NSPCC Helpline on 0808 800 5000.</li>
          </ul>
        </div></div>
        """;

    public static string Questions(FormAnswers a, IReadOnlyList<FieldError> errors, string antiforgeryName, string antiforgeryToken)
    {
        string? Err(string field) => errors.FirstOrDefault(e => Anchor(e.Field) == field)?.Message;
        var html = new StringBuilder();
        html.Append(ErrorSummary(errors));
        html.Append($"""
            <h1 class="govuk-heading-l">Tell us what happened</h1>
            <p class="govuk-body">Answer what you can. Questions marked (optional) can be left blank.</p>
            <form method="post" action="/report" novalidate>
            <input type="hidden" name="{E(antiforgeryName)}" value="{E(antiforgeryToken)}">
            """);

        // Who you are
        var roleError = Err("reporter.role");
        var roles = new StringBuilder();
        for (var i = 0; i < ReportQuestions.Roles.Length; i++)
        {
            var (value, label, hint) = ReportQuestions.Roles[i];
            var id = i == 0 ? "reporter-role" : $"reporter-role-{value}";
            roles.Append($"""
                <div class="govuk-radios__item">
                  <input class="govuk-radios__input" id="{id}" name="reporter.role" type="radio" value="{value}"{(a["reporter.role"] == value ? " checked" : "")}{(hint is null ? "" : $" aria-describedby=\"{id}-hint\"")}>
                  <label class="govuk-label govuk-radios__label" for="{id}">{E(label)}</label>
                  {(hint is null ? "" : $"""<div id="{id}-hint" class="govuk-hint govuk-radios__hint">{E(hint)}</div>""")}
                </div>
                """);
        }

        html.Append(Group(roleError, $"""
            <fieldset class="govuk-fieldset"{(roleError is null ? "" : " aria-describedby=\"reporter-role-error\"")}>
              <legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Who are you?</h2></legend>
              {ErrorMessage(roleError, "reporter-role-error")}
              <div class="govuk-radios" data-module="govuk-radios">{roles}</div>
            </fieldset>
            """));

        // About the child
        html.Append("""<h2 class="govuk-heading-m">About the child</h2>""");
        html.Append(TextInput("child.firstName", "Child's first name (optional)", a["child.firstName"], Err("child.firstName"), classes: "govuk-!-width-one-half", autocomplete: "off"));
        html.Append(TextInput("child.age", "Child's age (optional)", a["child.age"], Err("child.age"), hint: "In years, for example 13.", classes: "govuk-input--width-2", inputmode: "numeric"));
        html.Append(TextInput("child.postcode", "Postcode where the child lives (optional)", a["child.postcode"], Err("child.postcode"),
            hint: "This tells us which police force to send your report to. The first part, like B15, is enough.", classes: "govuk-input--width-10", autocomplete: "postal-code"));

        // What happened
        var descriptionError = Err("concern.description");
        html.Append(Group(descriptionError, $"""
            <div class="govuk-character-count" data-module="govuk-character-count" data-maxlength="{ConcernReportReader.DescriptionMaxLength}">
              <h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="concern-description">What happened?</label></h2>
              <div id="concern-description-hint" class="govuk-hint">In your own words. Include what was said or sent, and when. Do not attach or copy any pictures.</div>
              {ErrorMessage(descriptionError, "concern-description-error")}
              <textarea class="govuk-textarea govuk-js-character-count{(descriptionError is null ? "" : " govuk-textarea--error")}" id="concern-description" name="concern.description" rows="8"
                aria-describedby="concern-description-info concern-description-hint{(descriptionError is null ? "" : " concern-description-error")}">{E(a["concern.description"])}</textarea>
              <div id="concern-description-info" class="govuk-hint govuk-character-count__message">You can enter up to {ConcernReportReader.DescriptionMaxLength:N0} characters</div>
            </div>
            """));

        var indicatorError = Err("concern.indicators");
        var meetingError = Err(ReportQuestions.MeetingDay);
        var boxes = new StringBuilder();
        for (var i = 0; i < ReportQuestions.Indicators.Length; i++)
        {
            var (indicator, label, hint) = ReportQuestions.Indicators[i];
            var value = WireNames.Of(indicator);
            var id = i == 0 ? "concern-indicators" : $"concern-indicators-{value}";
            var isMeeting = indicator == Indicator.MeetingArranged;
            boxes.Append($"""
                <div class="govuk-checkboxes__item">
                  <input class="govuk-checkboxes__input" id="{id}" name="concern.indicators" type="checkbox" value="{value}"{(a.Indicators.Contains(value) ? " checked" : "")}{(hint is null ? "" : $" aria-describedby=\"{id}-hint\"")}{(isMeeting ? " data-aria-controls=\"conditional-meeting\"" : "")}>
                  <label class="govuk-label govuk-checkboxes__label" for="{id}">{E(label)}</label>
                  {(hint is null ? "" : $"""<div id="{id}-hint" class="govuk-hint govuk-checkboxes__hint">{E(hint)}</div>""")}
                </div>
                """);
            if (isMeeting)
            {
                boxes.Append(MeetingFields(a, meetingError));
            }
        }

        html.Append(Group(indicatorError, $"""
            <fieldset class="govuk-fieldset" aria-describedby="concern-indicators-hint">
              <legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">Has any of this happened? (optional)</h2></legend>
              <div id="concern-indicators-hint" class="govuk-hint">Select all that apply. This helps us decide how urgent it is.</div>
              {ErrorMessage(indicatorError)}
              <div class="govuk-checkboxes" data-module="govuk-checkboxes">{boxes}</div>
            </fieldset>
            """));

        html.Append(TextInput("concern.platforms", "Where did it happen? (optional)", a["concern.platforms"], Err("concern.platforms"),
            hint: "Apps, games or websites, separated by commas. For example: Snapchat, Roblox.", autocomplete: "off"));

        // About the person
        html.Append("""<h2 class="govuk-heading-m">About the person (optional)</h2><p class="govuk-body">Tell us anything you know. Do not contact them yourself.</p>""");
        html.Append(TextInput("suspect.usernames", "Their usernames or profile names", a["suspect.usernames"], Err("suspect.usernames"), hint: "Separated by commas.", autocomplete: "off"));
        html.Append(TextInput("suspect.approximateAge", "Their age, roughly", a["suspect.approximateAge"], Err("suspect.approximateAge"), classes: "govuk-input--width-3", inputmode: "numeric"));
        html.Append(TextInput("suspect.location", "Where they say they live", a["suspect.location"], Err("suspect.location"), autocomplete: "off"));

        // How we may contact you
        html.Append("""<h2 class="govuk-heading-m">How we can contact you (optional)</h2><p class="govuk-body">The police may want to talk to you. Leave these blank if you do not want to be contacted.</p>""");
        html.Append(TextInput("reporter.name", "Your name", a["reporter.name"], Err("reporter.name"), autocomplete: "name"));
        html.Append(TextInput("reporter.email", "Email address", a["reporter.email"], Err("reporter.email"), type: "email", autocomplete: "email"));
        html.Append(TextInput("reporter.phone", "Phone number", a["reporter.phone"], Err("reporter.phone"), type: "tel", autocomplete: "tel", classes: "govuk-input--width-20"));
        html.Append($"""
            <div class="govuk-form-group"><div class="govuk-checkboxes govuk-checkboxes--small">
              <div class="govuk-checkboxes__item">
                <input class="govuk-checkboxes__input" id="reporter-contactConsent" name="reporter.contactConsent" type="checkbox" value="yes"{(a["reporter.contactConsent"] == "yes" ? " checked" : "")}>
                <label class="govuk-label govuk-checkboxes__label" for="reporter-contactConsent">The police or a support service can contact me about this report</label>
              </div>
            </div></div>
            <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Continue</button>
            </form>
            """);
        return html.ToString();
    }

    private static string MeetingFields(FormAnswers a, string? error)
    {
        string Box(string name, string label, string width) => $"""
            <div class="govuk-date-input__item"><div class="govuk-form-group">
              <label class="govuk-label govuk-date-input__label" for="{name}">{label}</label>
              <input class="govuk-input govuk-date-input__input {width}{(error is null ? "" : " govuk-input--error")}" id="{name}" name="{name}" type="text" inputmode="numeric" value="{E(a[name])}">
            </div></div>
            """;
        return $"""
            <div class="govuk-checkboxes__conditional govuk-checkboxes__conditional--hidden" id="conditional-meeting">
              {Group(error, $"""
                <fieldset class="govuk-fieldset" role="group" aria-describedby="meeting-hint{(error is null ? "" : " meeting-error")}">
                  <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">When is the meeting? (optional)</legend>
                  <div id="meeting-hint" class="govuk-hint">UK time. For example, 23 11 2026 and 15:30. If you do not know the time, we will assume midday.</div>
                  {ErrorMessage(error, "meeting-error")}
                  <div class="govuk-date-input">{Box(ReportQuestions.MeetingDay, "Day", "govuk-input--width-2")}{Box(ReportQuestions.MeetingMonth, "Month", "govuk-input--width-2")}{Box(ReportQuestions.MeetingYear, "Year", "govuk-input--width-4")}{Box(ReportQuestions.MeetingTime, "Time", "govuk-input--width-4")}</div>
                </fieldset>
                """)}
            </div>
            """;
    }

    public static string CheckAnswers(FormAnswers a, ConcernReport report, string hiddenFields)
    {
        string Row(string key, string? value) => $"""
            <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{E(key)}</dt><dd class="govuk-summary-list__value">{(string.IsNullOrWhiteSpace(value) ? "Not given" : E(value).Replace("\n", "<br>", StringComparison.Ordinal))}</dd></div>
            """;
        var role = ReportQuestions.Roles.First(r => r.Value == WireNames.Of(report.Reporter.Role)).Label;
        var ticked = ReportQuestions.Indicators.Where(i => report.Concern.Has(i.Indicator)).Select(i => i.Label).ToList();
        var meeting = report.Concern.MeetingAt is { } at
            ? TimeZoneInfo.ConvertTime(at, ReportQuestions.UkTime).ToString("d MMMM yyyy 'at' HH:mm", System.Globalization.CultureInfo.InvariantCulture)
            : null;
        return $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <h1 class="govuk-heading-l">Check your answers before sending</h1>
            <dl class="govuk-summary-list">
              {Row("Who you are", role)}
              {Row("Child's first name", report.Child.FirstName)}
              {Row("Child's age", report.Child.Age?.ToString(System.Globalization.CultureInfo.InvariantCulture))}
              {Row("Postcode", report.Child.Postcode?.Canonical)}
              {Row("What happened", report.Concern.Description)}
              {Row("What has happened", ticked.Count == 0 ? null : string.Join("\n", ticked))}
              {(report.Concern.Has(Indicator.MeetingArranged) ? Row("Meeting", meeting ?? "Time not known") : "")}
              {Row("Where it happened", string.Join(", ", report.Concern.Platforms))}
              {Row("Their usernames", string.Join(", ", report.Suspect.Usernames))}
              {Row("Their age", report.Suspect.ApproximateAge?.ToString(System.Globalization.CultureInfo.InvariantCulture))}
              {Row("Where they say they live", report.Suspect.Location)}
              {Row("Your name", report.Reporter.Name)}
              {Row("Email", report.Reporter.Email)}
              {Row("Phone", report.Reporter.Phone)}
              {Row("We can contact you", report.Reporter.ContactConsent ? "Yes" : "No")}
            </dl>
            <form method="post" action="/report/edit" novalidate>{hiddenFields}
              <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Change your answers</button>
            </form>
            <h2 class="govuk-heading-m">Now send your report</h2>
            <p class="govuk-body">When you send it, we pass it to the police straight away.</p>
            <form method="post" action="/report/send" novalidate>{hiddenFields}
              <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Send report</button>
            </form>
            </div></div>
            """;
    }

    public static string Confirmation(AcceptedReferral accepted, bool childReporter)
    {
        var advice = new StringBuilder();
        foreach (var a in accepted.Advice)
        {
            advice.Append(a.Kind == "emergency"
                ? $"""<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> {E(a.Text)}</strong></div>"""
                : $"""<p class="govuk-body" data-advice="{E(a.Kind)}">{E(a.Text)}</p>""");
        }

        return $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <div class="govuk-panel govuk-panel--confirmation">
              <h1 class="govuk-panel__title">Report sent</h1>
              <div class="govuk-panel__body">Your reference number<br><strong id="reference">{E(accepted.Reference)}</strong></div>
            </div>
            <p class="govuk-body">{(childReporter ? "Thank you for telling us. You did the right thing." : "Thank you for telling us.")} Keep the reference number: give it if you talk to the police about this.</p>
            <h2 class="govuk-heading-m">What happens next</h2>
            <p class="govuk-body">We decide how urgent your report is and send it to the police force where the child lives, or to CEOP at the National Crime Agency. They may contact you if you said they could.</p>
            <h2 class="govuk-heading-m">Get help now</h2>
            {advice}
            <h2 class="govuk-heading-m">Keep the evidence</h2>
            <p class="govuk-body">Do not delete messages or accounts. Do not forward or save any sexual pictures of a child: that is a crime, even to report it.</p>
            </div></div>
            """;
    }

    public static string Problem(string heading, string text) =>
        $"""<h1 class="govuk-heading-l">{E(heading)}</h1><p class="govuk-body">{E(text)}</p><p class="govuk-body">If a child is in immediate danger, call 999.</p>""";

    public static string About() => """
        <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
        <h1 class="govuk-heading-l">About this service</h1>
        <p class="govuk-body">This service takes reports of worries about children online and passes them to the right UK police force, to CEOP at the National Crime Agency, and to support services.</p>
        <h2 class="govuk-heading-m">Your privacy</h2>
        <p class="govuk-body">We keep what you tell us only to pass it on and to show when and where it went. Reports are deleted after a set time once delivered. Nothing you type goes into web addresses or our logs.</p>
        <h2 class="govuk-heading-m">Data sources</h2>
        <p class="govuk-body">We use public data to find the police force for a postcode.</p>
        <ul class="govuk-list govuk-list--bullet">
          <li>Contains OS data © Crown copyright and database right 2025. Contains Royal Mail data © Royal Mail copyright and database right 2025. Contains National Statistics data © Crown copyright and database right 2025. (OS Code-Point Open, released under the Open Government Licence v3.0.)</li>
          <li>Source: Office for National Statistics, licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right 2024.</li>
          <li>Contains public sector information licensed under the Open Government Licence v3.0 (data.police.uk force list and force details).</li>
          <li>Open Government Licence v3.0: https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/</li>
        </ul>
        </div></div>
        """;
}
