using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Serialization;

namespace ReferralIntake.Functions.LocalInbox;

/// <summary>
/// /inbox: what each force (and CEOP) received, for a developer running ./run.sh. Mapped only in local
/// development (Azurite, standalone) and answered only to loopback callers; elsewhere it does not exist.
/// </summary>
public static class LocalInboxPages
{
    public static IEndpointRouteBuilder MapLocalInbox(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/inbox").ExcludeFromDescription().AddEndpointFilter(async (context, next) =>
            context.HttpContext.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip)
                ? await next(context).ConfigureAwait(false)
                : Results.NotFound());
        inbox.MapGet("/", ListAsync);
        inbox.MapGet("/{destination}/{reference}", ShowAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(LocalInboxStore store, ForceDirectory forces, CancellationToken ct)
    {
        var all = await store.ListAsync(ct).ConfigureAwait(false);
        var html = new StringBuilder();
        html.Append("<h1>Local inbox</h1><p>What each destination received. Local development only: in Azure, referrals go to each force's endpoint.</p>");
        if (all.Count == 0)
        {
            html.Append("<p>Nothing delivered yet. Submit a report (see the README) and refresh.</p>");
        }

        foreach (var (destination, items) in all)
        {
            var name = forces.Find(destination)?.Name ?? (destination == "ceop" ? "CEOP (National Crime Agency)" : destination);
            html.Append(CultureInfoInvariant($"<h2>{Encode(name)} <small>({items.Count})</small></h2><ul>"));
            foreach (var (reference, at) in items)
            {
                html.Append(CultureInfoInvariant($"<li><a href=\"/inbox/{Url(destination)}/{Url(reference)}\">{Encode(reference)}</a> received {at:yyyy-MM-dd HH:mm:ss} UTC</li>"));
            }

            html.Append("</ul>");
        }

        return Page("Local inbox", html.ToString());
    }

    private static async Task<IResult> ShowAsync(string destination, string reference, LocalInboxStore store, CancellationToken ct)
    {
        if (await store.ReadAsync(destination, reference, ct).ConfigureAwait(false) is not { } content)
        {
            return Results.NotFound();
        }

        var document = content.ToObjectFromJson(AppJsonContext.Default.ReferralDocument)!;
        var html = new StringBuilder();
        html.Append(CultureInfoInvariant($"<p><a href=\"/inbox\">Back to the inbox</a></p><h1>{Encode(document.Reference)}</h1>"));
        html.Append(CultureInfoInvariant($"<p class=\"priority\">Priority <strong>{Encode(document.Triage.Priority)}</strong> for {Encode(document.Route.ForceName ?? document.Destination)}</p><h2>Why</h2><ul>"));
        foreach (var reason in document.Triage.Reasons)
        {
            html.Append(CultureInfoInvariant($"<li>{Encode(reason)}</li>"));
        }

        html.Append(CultureInfoInvariant($"</ul><h2>What happened</h2><blockquote>{Encode(document.Report.Concern.Description)}</blockquote>"));
        html.Append(CultureInfoInvariant($"<h2>The document as delivered</h2><pre>{Encode(JsonSerializer.Serialize(document, Indented))}</pre>"));
        return Page(document.Reference, html.ToString());
    }

    private static readonly JsonSerializerOptions Indented = new(AppJsonContext.Default.Options) { WriteIndented = true };

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);

    private static string Url(string text) => UrlEncoder.Default.Encode(text);

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static IResult Page(string title, string body) => Results.Content(
        $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex"><title>{Encode(title)} – ReferralIntake local inbox</title>
        <style>body{"{"}font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5{"}"}
        pre{"{"}background:#f3f2f1;padding:1rem;overflow:auto{"}"} blockquote{"{"}border-left:5px solid #b1b4b6;margin:0;padding-left:1rem{"}"}</style>
        </head><body>{body}</body></html>
        """,
        "text/html; charset=utf-8");
}
