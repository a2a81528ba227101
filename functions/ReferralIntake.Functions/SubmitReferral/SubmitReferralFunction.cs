using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.SubmitReferral;

/// <summary>
/// POST /api/referrals: a partner app submits a report. HTTP concerns only (content type, size,
/// Idempotency-Key; the key and the rate are the route group's); the intake itself is
/// <see cref="IntakeService"/>, shared with the web form.
/// </summary>
public static class SubmitReferralFunction
{
    /// <summary>10,000 characters of description, escaped, plus every other field, with room to spare.</summary>
    public const int MaxBodyBytes = 128 * 1024;
    public const int MaxIdempotencyKeyLength = 100;

    /// <summary>The isolated worker's entry point (the partner's key and rate are FunctionAccessMiddleware's).</summary>
    [Function("SubmitReferral")]
    [Access(Caller.Partner, RateLimits.PartnerSubmit)]
    public static async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/referrals")] HttpRequest request) =>
        await HandleAsync(request, request.HttpContext.User, request.HeaderValue("Idempotency-Key"), request.HeaderValue("Accept-Language"),
            request.Service<IntakeService>(), request.HttpContext.RequestAborted).ConfigureAwait(false);


    public static async Task<Results<Accepted<AcceptedReferral>, ProblemHttpResult>> HandleAsync(
        HttpRequest request, ClaimsPrincipal user, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        [FromHeader(Name = "Accept-Language")] string? acceptLanguage, IntakeService intake, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.WrongContentType("application/json (UTF-8)");
        }

        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(c => c is < (char)0x21 or > (char)0x7E)))
        {
            return Problems.InvalidRequest("Idempotency-Key", $"An Idempotency-Key is 1 to {MaxIdempotencyKeyLength} visible ASCII characters.");
        }

        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.TooLarge(MaxBodyBytes);
        }

        _ = acceptLanguage; // a parameter so the OpenAPI document shows it; Catalogue.ForApi reads it with its qualities
        return await intake.SubmitAsync(PartnerAuthentication.PartnerId(user), body.Value, idempotencyKey, Localisation.Catalogue.ForApi(request), ct).ConfigureAwait(false) switch
        {
            IntakeOutcome.Accepted a => TypedResults.Accepted(a.Answer.StatusUrl, a.Answer), // a replay gets the first answer again
            IntakeOutcome.Invalid i => Problems.Invalid(i.Errors),
            IntakeOutcome.KeyReused => Problems.KeyReused(),
            IntakeOutcome.Erased => Problems.Erased(),
            IntakeOutcome.Unavailable u => Problems.Unavailable(request.HttpContext, u.RetryAfter),
            _ => throw new InvalidOperationException("unknown intake outcome"),
        };
    }
}
