using System.Globalization;
using System.Net;
using System.Text;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.WebForm;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Storage;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.ForceView;

/// <summary>One referral as a call handler reads it: what matters first (priority, why, where), then the report, then the two answers.</summary>
public static class ForceViewMarkup
{
    public static string Referral(ReferralDocument d, RouteDelivery? route, string? done, string antiforgeryName, string antiforgeryToken,
        IReadOnlyList<Links.LinkNotice> notices)
    {
        var html = new StringBuilder();
        html.Append("""<a href="/force/referrals" class="govuk-back-link">Back to your referrals</a>""");
        html.Append(done switch
        {
            "accepted" => Banner("Accepted", "The referral is recorded as accepted by your force. Its escalation has stopped."),
            "wrong-area" => Banner("Sent on", "Recorded as not your area. It has gone to the next force that may cover the child's area, or to CEOP."),
            "conflict" => Banner("Already answered", "A different answer was recorded for this referral already, so nothing was changed."),
            _ => "",
        });
        html.Append(CultureInfo.InvariantCulture, $"""
            <span class="govuk-caption-l">Referral</span>
            <h1 class="govuk-heading-l">{E(d.Reference)} {ForceViewPages.PriorityTag(d.Triage.Priority)}</h1>
            <h2 class="govuk-heading-m">Why this priority</h2>
            <ul class="govuk-list govuk-list--bullet">{string.Concat(d.Triage.Reasons.Select(r => $"<li>{E(r)}</li>"))}</ul>
            """);
        if (d.Route.LocationUncertain == true)
        {
            var others = d.Route.OtherCandidates is { Count: > 0 } c ? " Other forces that may cover it: " + string.Join(", ", c.Select(x => x.ForceName)) + "." : "";
            html.Append($"""<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Only the first part of the postcode was given, and that district crosses force borders.{E(others)}</strong></div>""");
        }

        LinkedReferrals(html, d, notices);
        var r = d.Report;
        html.Append("""<h2 class="govuk-heading-m">What happened</h2>""");
        html.Append(CultureInfo.InvariantCulture, $"""<div class="govuk-inset-text app-report-text">{E(r.Concern.Description).Replace("\n", "<br>", StringComparison.Ordinal)}</div>""");
        html.Append("""<dl class="govuk-summary-list">""");
        Row(html, "Received", d.ReceivedAt.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture));
        Row(html, "Written in", d.Language == "cy" ? "Welsh (Cymraeg): the reporter may prefer to be contacted in Welsh" : "English");
        Row(html, "Signs of grooming", r.Concern.Indicators is { Count: > 0 } i ? string.Join("; ", i.Select(IndicatorLabel)) : null);
        Row(html, "Platforms", r.Concern.Platforms is { Count: > 0 } p ? string.Join(", ", p) : null);
        Row(html, "Meeting", r.Concern.MeetingAt?.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture));
        Row(html, "Child", r.Child is null ? null : string.Join(", ", new[] { r.Child.FirstName, r.Child.Age is { } age ? $"age {age}" : null, r.Child.Postcode }.Where(x => !string.IsNullOrEmpty(x))));
        Row(html, "Reported by", string.Join(", ", new[] { r.Reporter.Role, r.Reporter.Name, r.Reporter.Email, r.Reporter.Phone }.Where(x => !string.IsNullOrEmpty(x))));
        Row(html, "May be contacted", r.Reporter.ContactConsent switch { true => "Yes", false => "No", null => null });
        Row(html, "Suspect", r.Suspect is null ? null : string.Join(", ", new[]
        {
            r.Suspect.Usernames is { Count: > 0 } u ? "usernames " + string.Join(", ", u) : null, r.Suspect.Platform,
            r.Suspect.ApproximateAge is { } a ? $"about {a}" : null, r.Suspect.Location,
        }.Where(x => !string.IsNullOrEmpty(x))));
        html.Append("</dl>");

        if (route?.State == RouteState.Delivered)
        {
            var hidden = $"""<input type="hidden" name="{E(antiforgeryName)}" value="{E(antiforgeryToken)}">""";
            var action = $"/force/referrals/{WebUtility.UrlEncode(d.Reference)}/acknowledgement";
            html.Append(CultureInfo.InvariantCulture, $"""
                <h2 class="govuk-heading-m">Your answer</h2>
                <p class="govuk-body">Accept it once a person at your force has taken it on: that stops its escalation to CEOP. If the child is not in your area, say so and it goes to the next force, or to CEOP.</p>
                <form method="post" action="{action}" novalidate>
                  {hidden}
                  <div class="govuk-form-group">
                    <label class="govuk-label" for="note">Note for the service (optional, not seen by the reporter)</label>
                    <div id="note-hint" class="govuk-hint">For example, your own incident number. At most 500 characters.</div>
                    <textarea class="govuk-textarea" id="note" name="note" rows="2" maxlength="500" aria-describedby="note-hint"></textarea>
                  </div>
                  <div class="govuk-button-group">
                    <button type="submit" name="outcome" value="accepted" class="govuk-button" data-module="govuk-button">Accept this referral</button>
                    <button type="submit" name="outcome" value="wrong-area" class="govuk-button govuk-button--warning" data-module="govuk-button">Not our area</button>
                  </div>
                </form>
                """);
        }
        else if (route is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p class="govuk-body">Your answer: <strong>{(route.State == RouteState.Acknowledged ? "accepted" : route.State == RouteState.WrongArea ? "not our area" : route.State.Wire())}</strong>{(route.AcknowledgedAt is { } at ? $" on {at:d MMMM yyyy, HH:mm} UTC" : "")}.</p>""");
        }

        return html.ToString();
    }

    /// <summary>
    /// The other referrals naming an account this report names (forces only): those found at its triage (its document's
    /// links) and those made later (their link notices), each with its reference, force, acceptance and priority, never
    /// its content. Shown before the report, with the regional unit's prompt at three or more.
    /// </summary>
    private static void LinkedReferrals(StringBuilder html, ReferralDocument d, IReadOnlyList<Links.LinkNotice> notices)
    {
        List<Links.LinkedAccount> links = [.. (d.Links ?? []).Concat(notices.SelectMany(n => n.Links))
            .GroupBy(l => l.Platform, StringComparer.Ordinal)
            .Select(g => new Links.LinkedAccount(g.Key, [.. g.SelectMany(l => l.Referrals).Where(r => r.Reference != d.Reference)
                .DistinctBy(r => r.Reference).OrderBy(r => r.AcceptedAt)]))];
        if (links.Count == 0)
        {
            return;
        }

        html.Append("""
            <h2 class="govuk-heading-m" id="linked-referrals">Linked referrals</h2>
            <p class="govuk-body">The online account named in this report was named in other referrals too. Only these details are shared: to know more, contact the other force through your regional organised crime unit.</p>
            """);
        var reason = d.Route.Kind == Domain.Triage.RouteKinds.Name(Domain.Triage.RouteKind.PoliceForce)
            ? ReferralDocument.RegionalUnitReason(links, d.Route.ForceName ?? "this force")
            : null;
        if (reason is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Tell your regional organised crime unit. {E(reason)}</strong></div>""");
        }

        foreach (var link in links)
        {
            var platform = Domain.Links.PlatformDirectory.Default.Platforms.FirstOrDefault(p => p.Id == link.Platform)?.Name ?? link.Platform;
            html.Append(CultureInfo.InvariantCulture, $"""
                <table class="govuk-table govuk-table--small-text-until-tablet">
                  <caption class="govuk-table__caption govuk-table__caption--s">The same {E(platform)} account</caption>
                  <thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Reference</th><th scope="col" class="govuk-table__header">Held by</th><th scope="col" class="govuk-table__header">Accepted</th><th scope="col" class="govuk-table__header">Priority</th></tr></thead>
                  <tbody class="govuk-table__body">
                """);
            foreach (var other in link.Referrals)
            {
                var force = Links.LinkedReferral.HolderName(other.ForceId);
                html.Append(CultureInfo.InvariantCulture, $"""<tr class="govuk-table__row"><td class="govuk-table__cell">{E(other.Reference)}</td><td class="govuk-table__cell">{E(force)}</td><td class="govuk-table__cell">{other.AcceptedAt:d MMM yyyy}</td><td class="govuk-table__cell">{ForceViewPages.PriorityTag(other.Priority)}</td></tr>""");
            }

            html.Append("</tbody></table>");
        }

        if (notices.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<p class="govuk-body-s" id="link-notices">Link notices: {notices.Count} later {(notices.Count == 1 ? "referral" : "referrals")} named the same account after this one reached you ({E(string.Join(", ", notices.Select(n => $"{n.From}, {n.CreatedAt:d MMM yyyy}")))}).</p>""");
        }
    }

    /// <summary>An indicator in the words the reporter chose it by, not its contract code.</summary>
    private static string IndicatorLabel(string code) => Localisation.Catalogue.English.Optional($"indicator.{code}") ?? code;

    private static string Banner(string title, string text) => $"""
        <div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="banner-title" data-module="govuk-notification-banner">
          <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="banner-title">Success</h2></div>
          <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">{E(title)}</p><p class="govuk-body">{E(text)}</p></div>
        </div>
        """;

    private static void Row(StringBuilder html, string key, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            html.Append(CultureInfo.InvariantCulture, $"""<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{E(key)}</dt><dd class="govuk-summary-list__value">{E(value)}</dd></div>""");
        }
    }
}
