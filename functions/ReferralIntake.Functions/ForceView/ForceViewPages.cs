using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.AcknowledgeReferral;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.ForceReferrals;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Serialization;
using ReferralIntake.Functions.Storage;
using ReferralIntake.Functions.WebForm;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.ForceView;

/// <summary>
/// /force: a force's view in the browser, for a force without a case system of its own. Sign in with
/// the force's key (a cookie for the session, HttpOnly, SameSite=Strict, 8 hours) or, in Azure, with
/// a work account through Entra ID (<see cref="EntraForceAuthentication"/>); then the referrals
/// awaiting the force, P1 first and oldest first, each with its document and the two acknowledgement
/// buttons. The same reads and writes as the force API (opening a referral is a fetch, so for a force
/// that pulls it is the delivery). GOV.UK Frontend, works without JavaScript, never cached, and no
/// report content in any URL. In local development (the local inbox) a developer may open it as any
/// force, from loopback only, to see exactly what that force sees.
/// </summary>
public static class ForceViewPages
{
    public const string Scheme = "ForceView";
    public const string Policy = "force-view";
    public const string CookieName = "ri-force";

    public static AuthenticationBuilder AddForceViewCookie(this AuthenticationBuilder auth) => auth.AddCookie(Scheme, o =>
    {
        o.Cookie.Name = CookieName;
        o.Cookie.Path = "/force";
        o.Cookie.HttpOnly = true;
        o.Cookie.SameSite = SameSiteMode.Strict;
        o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // HTTPS in Azure (HTTPS only); plain HTTP only on a developer's loopback
        o.ExpireTimeSpan = TimeSpan.FromHours(8); // a shift
        o.SlidingExpiration = false;
        o.LoginPath = "/force";
        o.ReturnUrlParameter = "return";
    });

    internal static IResult SignInPage(HttpContext http, IAntiforgery af, LocalInboxMode local, ForceDirectory forces, IConfiguration configuration, string? failed = null)
    {
        var tokens = af.GetAndStoreTokens(http);
        var hidden = $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
        var error = failed is null ? null : "Enter your force's API key. Ask your service administrator if you do not have it.";
        var html = new StringBuilder();
        if (error is not null)
        {
            html.Append(ErrorSummary(Localisation.Catalogue.English, [new("force-key", error)]));
        }

        html.Append($"""
            <h1 class="govuk-heading-l">Sign in to see your force's referrals</h1>
            <p class="govuk-body">Referrals about children at risk of online grooming, sent to your force by this service.</p>
            {(EasyAuthPrincipal.Enabled(configuration) ? $"""<a href="{EntraForceAuthentication.SignInPath}" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">Sign in with your work account</a><p class="govuk-body">Or use your force's API key:</p>""" : "")}
            <form method="post" action="/force/sign-in" novalidate>
              {hidden}
              {Group(error, $"""
                <label class="govuk-label" for="force-key">Force API key</label>
                {ErrorMessage(Localisation.Catalogue.English, error, "force-key-error")}
                <input class="govuk-input govuk-!-width-two-thirds{(error is null ? "" : " govuk-input--error")}" id="force-key" name="key" type="password" autocomplete="off" spellcheck="false"{(error is null ? "" : " aria-describedby=\"force-key-error\"")}>
                """)}
              <button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button>
            </form>
            """);
        if (local.Enabled && IsLoopback(http))
        {
            html.Append($"""
                <h2 class="govuk-heading-m">Local development: open as a force</h2>
                <p class="govuk-body">This is the local inbox. Without force endpoints configured, every referral lands here. Choose a force to see exactly what it sees.</p>
                <form method="post" action="/force/sign-in">
                  {hidden}
                  <div class="govuk-form-group">
                    <label class="govuk-label" for="local-force">Force</label>
                    <select class="govuk-select" id="local-force" name="localForce">
                      <option value="ceop">CEOP (National Crime Agency)</option>
                      {string.Concat(forces.Forces.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => $"""<option value="{E(f.Id)}">{E(f.Name)}</option>"""))}
                    </select>
                  </div>
                  <button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Open as this force</button>
                </form>
                """);
        }

        return ForcePage("Sign in", html.ToString(), hasErrors: error is not null, status: error is null ? 200 : 401);
    }

    internal static async Task<IResult> SignInAsync(HttpContext http, IAntiforgery af, ForceKeys keys, LocalInboxMode local, ForceDirectory forces, IConfiguration configuration)
    {
        if (!http.Request.HasFormContentType || !await af.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return ForcePage("Sign in", FormPages.Problem(Localisation.Catalogue.English, "This page expired", "Please sign in again.") + """<p class="govuk-body"><a class="govuk-link" href="/force">Sign in</a></p>""", status: 400);
        }

        var form = await http.Request.ReadFormAsync().ConfigureAwait(false);
        var forceId = local.Enabled && IsLoopback(http) && form["localForce"].ToString() is { Length: > 0 } chosen && (chosen == "ceop" || forces.Find(chosen) is not null)
            ? chosen
            : keys.Authenticate(form["key"].ToString(), http.Connection.RemoteIpAddress);
        if (forceId is null)
        {
            return SignInPage(http, af, local, forces, configuration, failed: "key");
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, forceId)], Scheme);
        await http.SignInAsync(Scheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        return Results.Redirect("/force/referrals", permanent: false, preserveMethod: false);
    }

    internal static async Task<IResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(Scheme).ConfigureAwait(false);
        return Results.Redirect("/force");
    }

    internal static async Task<IResult> ListAsync(ClaimsPrincipal user, ForceReferralQueries queries, ForceDirectory forces, TimeProvider clock, CancellationToken ct)
    {
        var forceId = ForceAuthentication.ForceId(user);
        var items = await queries.AwaitingAsync(forceId, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <h1 class="govuk-heading-l">Referrals for {E(NameOf(forceId, forces))}</h1>
            <p class="govuk-body">{(items.Count == 0 ? "Nothing is waiting for you." : $"{items.Count} waiting for you, most urgent first. Open one to read it, then accept it or tell us it is not your area.")}</p>
            """);
        if (items.Count > 0)
        {
            html.Append("""
                <div class="app-table-scroll" tabindex="0" role="region" aria-label="Referrals waiting">
                <table class="govuk-table">
                  <caption class="govuk-table__caption govuk-visually-hidden">Referrals waiting, most urgent first</caption>
                  <thead class="govuk-table__head"><tr class="govuk-table__row">
                    <th scope="col" class="govuk-table__header">Priority</th><th scope="col" class="govuk-table__header">Reference</th>
                    <th scope="col" class="govuk-table__header">Received</th><th scope="col" class="govuk-table__header">State</th>
                  </tr></thead><tbody class="govuk-table__body">
                """);
            foreach (var item in items)
            {
                html.Append(CultureInfo.InvariantCulture, $"""
                    <tr class="govuk-table__row">
                      <td class="govuk-table__cell">{PriorityTag(item.Priority)}</td>
                      <td class="govuk-table__cell app-nowrap"><a class="govuk-link" href="/force/referrals/{WebUtility.UrlEncode(item.Reference)}">{E(item.Reference)}</a></td>
                      <td class="govuk-table__cell">{E(Age(now - item.ReceivedAt))} ago<br><span class="govuk-body-s">{item.ReceivedAt:yyyy-MM-dd HH:mm} UTC</span></td>
                      <td class="govuk-table__cell">{(item.State == "delivered" ? "Not yet accepted" : "Not yet opened")}{(item.LocationUncertain ? "<br><strong class=\"govuk-tag govuk-tag--yellow\">Area uncertain</strong>" : "")}</td>
                    </tr>
                    """);
            }

            html.Append("</tbody></table></div>");
        }

        if (await queries.LinkNoticesAsync(forceId, ct).ConfigureAwait(false) is { Count: > 0 } notices)
        {
            html.Append("""<h2 class="govuk-heading-m" id="link-notices">Link notices</h2><p class="govuk-body">Later referrals named an online account that these referrals name. Open one to see who holds the others.</p><ul class="govuk-list">""");
            foreach (var notice in notices)
            {
                html.Append(CultureInfo.InvariantCulture, $"""<li><a class="govuk-link" href="/force/referrals/{WebUtility.UrlEncode(notice.Reference)}#linked-referrals">{E(notice.Reference)}</a>: linked to {E(notice.LinkedReference)}</li>""");
            }

            html.Append("</ul>");
        }

        return ForcePage("Referrals", html.ToString(), NameOf(forceId, forces));
    }

    internal static async Task<IResult> ShowAsync(string reference, string? done, ClaimsPrincipal user, HttpContext http, IAntiforgery af,
        ReferralDelivery delivery, Links.LinkNotices notices, ForceDirectory forces, CancellationToken ct)
    {
        var forceId = ForceAuthentication.ForceId(user);
        // Opening it is a fetch: for a force that pulls, the delivery.
        if (!References.IsWellFormed(reference) || await delivery.FetchAsync(reference, forceId, ct).ConfigureAwait(false) is not { } fetched)
        {
            return NotFound(forceId, forces);
        }

        foreach (var notice in fetched.Notices)
        {
            await notices.FetchAsync(reference, notice.From, forceId, ct).ConfigureAwait(false); // shown here: fetched, and off the list
        }

        var document = fetched.Document.ToObjectFromJson(AppJsonContext.Default.ReferralDocument)!;
        var tokens = af.GetAndStoreTokens(http);
        return ForcePage(document.Reference, ForceViewMarkup.Referral(document, fetched.Route, done, tokens.FormFieldName, tokens.RequestToken!, fetched.Notices), NameOf(forceId, forces));
    }

    internal static async Task<IResult> AcknowledgeAsync(string reference, ClaimsPrincipal user, HttpContext http, IAntiforgery af,
        ReferralDelivery delivery, ForceDirectory forces, CancellationToken ct)
    {
        var forceId = ForceAuthentication.ForceId(user);
        if (!http.Request.HasFormContentType || !await af.IsRequestValidAsync(http).ConfigureAwait(false))
        {
            return ForcePage("This page expired", FormPages.Problem(Localisation.Catalogue.English, "This page expired", "Nothing was recorded. Open the referral again and choose once more."), NameOf(forceId, forces), status: 400);
        }

        var form = await http.Request.ReadFormAsync(ct).ConfigureAwait(false);
        var outcome = form["outcome"].ToString();
        var note = form["note"].ToString();
        if (!References.IsWellFormed(reference))
        {
            return NotFound(forceId, forces);
        }

        // The page's buttons and the textarea's maxlength prevent these; a hand-made post is told what was wrong, and nothing is recorded.
        var problem = outcome is not ("accepted" or "wrong-area") ? "Choose \"Accept this referral\" or \"Not our area\". Nothing was recorded."
            : note.Length > AcknowledgeReferralFunction.MaxNoteLength ? $"The note must be {AcknowledgeReferralFunction.MaxNoteLength} characters or fewer. Nothing was recorded."
            : null;
        if (problem is not null)
        {
            return ForcePage("Check your answer", FormPages.Problem(Localisation.Catalogue.English, "Check your answer", problem)
                + $"""<p class="govuk-body"><a class="govuk-link" href="/force/referrals/{WebUtility.UrlEncode(reference)}">Back to the referral</a></p>""",
                NameOf(forceId, forces), status: 400);
        }

        var (result, _) = await delivery.AcknowledgeAsync(reference, forceId, outcome == "accepted", note.Length == 0 ? null : note, ct).ConfigureAwait(false);

        return result switch
        {
            AcknowledgeResult.NotFound => NotFound(forceId, forces),
            // Post, redirect, get: a refresh does not send it again. The outcome in the URL is the force's own choice, not report content.
            _ => Results.Redirect($"/force/referrals/{WebUtility.UrlEncode(reference)}?done={(result == AcknowledgeResult.Conflict ? "conflict" : outcome)}"),
        };
    }

    private static IResult NotFound(string forceId, ForceDirectory forces) => ForcePage("Not found",
        FormPages.Problem(Localisation.Catalogue.English, "Referral not found", "There is no referral with this reference for your force.") + """<p class="govuk-body"><a class="govuk-link" href="/force/referrals">Back to your referrals</a></p>""",
        NameOf(forceId, forces), status: 404);

    internal static string PriorityTag(string priority) => priority switch
    {
        "P1" => """<strong class="govuk-tag govuk-tag--red">P1 urgent</strong>""",
        "P2" => """<strong class="govuk-tag govuk-tag--orange">P2</strong>""",
        "P3" => """<strong class="govuk-tag govuk-tag--blue">P3</strong>""",
        _ => $"""<strong class="govuk-tag govuk-tag--grey">{E(priority)}</strong>""",
    };

    private static string Age(TimeSpan age) => age.TotalMinutes < 1 ? "under a minute"
        : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min"
        : age.TotalDays < 2 ? $"{(int)age.TotalHours} h {age.Minutes} min"
        : $"{(int)age.TotalDays} days";

    private static string NameOf(string forceId, ForceDirectory forces) =>
        forces.Find(forceId)?.Name ?? (forceId == "ceop" ? "CEOP (National Crime Agency)" : forceId);

    private static bool IsLoopback(HttpContext http) => http.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip);
}
