using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using ReferralIntake.Domain.Reports;
using ReferralIntake.Functions.Intake;
using ReferralIntake.Functions.Localisation;
using ReferralIntake.Functions.WebForm;
using static ReferralIntake.Functions.WebForm.Html;

namespace ReferralIntake.Functions.Feedback;

/// <summary>
/// GET /feedback and POST /feedback: "What did you think of this service?", a rating and an optional
/// comment, linked from the confirmation and every page's footer. Stored apart from referrals
/// (<see cref="FeedbackStore"/>), rate-limited per client, protected by the anti-forgery token like the form.
/// </summary>
public static partial class FeedbackEndpoints
{
    public const int CommentMaxLength = 1200;

    /// <summary>The ratings, best first, as GOV.UK's satisfaction survey asks: 5 is very satisfied.</summary>
    public static readonly int[] Ratings = [5, 4, 3, 2, 1];

    internal static IResult FeedbackPage(HttpContext http)
    {
        var t = Catalogue.ForPage(http);
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        return Page(http, t, t["feedback.title"], Form(t, tokens, null, "", []));
    }

    internal static async Task<IResult> PostAsync(HttpContext http, IAntiforgery af, FeedbackStore store, ILogger<FeedbackStore> log, CancellationToken ct)
    {
        if (await WebFormEndpoints.ReadFormAsync(http, ct).ConfigureAwait(false) is not { } form)
        {
            return WebFormEndpoints.PostFailed(http);
        }

        var t = Catalogue.ForPage(http);
        var ratingText = form["rating"].ToString();
        var rating = Ratings.FirstOrDefault(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture) == ratingText);
        var comment = form["comment"].ToString().Trim();
        var errors = new List<FieldError>();
        if (rating == 0)
        {
            errors.Add(new FieldError("rating", t["feedback.error.rating"]));
        }

        if (comment.EnumerateRunes().Count() > CommentMaxLength)
        {
            errors.Add(new FieldError("comment", t.Format("feedback.error.too-long", CommentMaxLength.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))));
        }
        else if (comment.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            errors.Add(new FieldError("comment", t["error.notClean"]));
        }

        if (errors.Count > 0)
        {
            var tokens = af.GetAndStoreTokens(http);
            return Page(http, t, t["feedback.title"], Form(t, tokens, rating == 0 ? null : rating, comment, errors), hasErrors: true);
        }

        await store.SaveAsync(rating, comment.Length == 0 ? null : comment, t.Code, ct).ConfigureAwait(false);
        LogFeedback(log, rating); // the rating only: a comment may hold anything
        return Page(http, t, t["feedback.thanks.title"], $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            <div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">{E(t["feedback.thanks.title"])}</h1></div>
            <p class="govuk-body">{E(t["feedback.thanks.body"])}</p>
            <p class="govuk-body"><a class="govuk-link" href="{E(t.Link("/"))}">{E(t["feedback.thanks.back"])}</a></p>
            </div></div>
            """);
    }

    private static string Form(Catalogue t, AntiforgeryTokenSet tokens, int? rating, string comment, IReadOnlyList<FieldError> errors)
    {
        string? Err(string field) => errors.FirstOrDefault(e => e.Field == field)?.Message;
        var ratingError = Err("rating");
        var commentError = Err("comment");
        var radios = new StringBuilder();
        foreach (var r in Ratings)
        {
            var id = r == Ratings[0] ? "rating" : $"rating-{r}";
            radios.Append($"""
                <div class="govuk-radios__item">
                  <input class="govuk-radios__input" id="{id}" name="rating" type="radio" value="{r}"{(rating == r ? " checked" : "")}>
                  <label class="govuk-label govuk-radios__label" for="{id}">{E(t[$"feedback.rating.{r}"])}</label>
                </div>
                """);
        }

        return $"""
            <div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
            {ErrorSummary(t, errors)}
            <h1 class="govuk-heading-l">{E(t["feedback.title"])}</h1>
            <div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">{E(t["page.warning"])}</span> {E(t["feedback.warning"])}</strong></div>
            <form method="post" action="{E(t.Link(WebFormEndpoints.FeedbackPath))}" novalidate>
              <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
              {Group(ratingError, $"""
                <fieldset class="govuk-fieldset"{(ratingError is null ? "" : " aria-describedby=\"rating-error\"")}>
                  <legend class="govuk-fieldset__legend govuk-fieldset__legend--m"><h2 class="govuk-fieldset__heading">{E(t["feedback.rating"])}</h2></legend>
                  {ErrorMessage(t, ratingError, "rating-error")}
                  <div class="govuk-radios" data-module="govuk-radios">{radios}</div>
                </fieldset>
                """)}
              {Group(commentError, $"""
                <div class="govuk-character-count" data-module="govuk-character-count" data-maxlength="{CommentMaxLength}" {FormPages.CharacterCountTexts(t)}>
                  <h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="comment">{E(t["feedback.comment"])}</label></h2>
                  <div id="comment-hint" class="govuk-hint">{E(t["feedback.comment.hint"])}</div>
                  {ErrorMessage(t, commentError, "comment-error")}
                  <textarea class="govuk-textarea govuk-js-character-count{(commentError is null ? "" : " govuk-textarea--error")}" id="comment" name="comment" rows="5"
                    aria-describedby="comment-info comment-hint{(commentError is null ? "" : " comment-error")}">{E(comment)}</textarea>
                  <div id="comment-info" class="govuk-hint govuk-character-count__message">{E(t.Format("questions.description.limit", CommentMaxLength.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}</div>
                </div>
                """)}
              <button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">{E(t["feedback.send"])}</button>
            </form>
            </div></div>
            """;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Feedback received: rating {Rating}")]
    private static partial void LogFeedback(ILogger logger, int rating);
}
