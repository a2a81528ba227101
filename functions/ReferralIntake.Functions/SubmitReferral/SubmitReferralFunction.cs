using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.SubmitReferral;

/// <summary>
/// POST /api/referrals: a partner app submits a report. HTTP concerns only (key, rate, content type,
/// size, Idempotency-Key); the intake itself is <see cref="IntakeService"/>, shared with the web form.
/// </summary>
public static class SubmitReferralFunction
{
    /// <summary>10,000 characters of description, escaped, plus every other field, with room to spare.</summary>
    public const int MaxBodyBytes = 128 * 1024;
    public const int MaxIdempotencyKeyLength = 100;

    public static async Task<Results<Accepted<AcceptedReferral>, ProblemHttpResult>> HandleAsync(
        HttpContext http, Partners partners, IntakeService intake, CancellationToken ct)
    {
        var request = http.Request;
        if (partners.Authenticate(request.Headers["X-Api-Key"], http.Connection.RemoteIpAddress) is not { } partner)
        {
            return Problems.Unauthorized();
        }

        if (!partners.TryAcquire(partner, "submit", out var retryAfter))
        {
            return Problems.TooManyRequests(http, retryAfter);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.Charset.HasValue && !type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.WrongContentType("application/json (UTF-8)");
        }

        string? idempotencyKey = request.Headers["Idempotency-Key"];
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(c => c is < (char)0x21 or > (char)0x7E)))
        {
            return Problems.InvalidRequest("Idempotency-Key", $"An Idempotency-Key is 1 to {MaxIdempotencyKeyLength} visible ASCII characters.");
        }

        var body = await RequestBody.ReadAsync(request, MaxBodyBytes, ct).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.TooLarge(MaxBodyBytes);
        }

        return await intake.SubmitAsync(partner.Id, body.Value, idempotencyKey, ct).ConfigureAwait(false) switch
        {
            IntakeOutcome.Accepted a => TypedResults.Accepted(a.Answer.StatusUrl, a.Answer), // a replay gets the first answer again
            IntakeOutcome.Invalid i => Problems.Invalid(i.Errors),
            IntakeOutcome.KeyReused => Problems.KeyReused(),
            IntakeOutcome.Unavailable u => Problems.Unavailable(http, u.RetryAfter),
            _ => throw new InvalidOperationException("unknown intake outcome"),
        };
    }
}
