using System.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ReferralIntake.Functions.Delivery;

/// <summary>One HTTP attempt at a delivery, for the audit trail.</summary>
public sealed record DeliveryAttempt(int Number, DateTimeOffset At, string Outcome, int? StatusCode, double DurationMs);

/// <summary>A delivery that did not succeed within its attempt's budget: to be tried again later, at the earliest after <see cref="RetryAfter"/>.</summary>
/// <param name="CircuitOpen">The destination was not called at all (its breaker is open): no chance was spent.</param>
public sealed class DeliveryFailedException(string message, TimeSpan? retryAfter = null, bool circuitOpen = false) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool CircuitOpen { get; } = circuitOpen;
}

/// <summary>
/// Posts a JSON document to a destination's webhook through the webhooks' HttpClient (see
/// <see cref="WebhookDelivery"/>: the destination's resilience pipeline, then signing per attempt).
/// Every attempt carries the same Idempotency-Key, so the receiver can recognise a retry.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpClients, TimeProvider clock)
{
    /// <summary>Sends, adding each attempt to <paramref name="attempts"/>; throws <see cref="DeliveryFailedException"/> when it gave up.</summary>
    public async Task SendAsync(
        Destination destination, string reference, string idempotencyKey, byte[] body, List<DeliveryAttempt> attempts, CancellationToken ct)
    {
        var http = httpClients.CreateClient(WebhookDelivery.HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, destination.Url ?? throw new InvalidOperationException($"{destination.Id} pulls; nothing is posted to it.")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Options.Set(WebhookDelivery.CallKey, new WebhookCall(destination, reference, idempotencyKey, body, attempts));
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                // A 429 or 503 may say when to come back; a redirect is a failure too (never followed).
                var retryAfter = response.Headers.RetryAfter is { } header
                    ? header.Delta ?? (header.Date is { } date ? date - clock.GetUtcNow() : null)
                    : null;
                throw new DeliveryFailedException($"{destination.Id} answered HTTP {(int)response.StatusCode}", retryAfter);
            }
        }
        catch (BrokenCircuitException)
        {
            attempts.Add(new DeliveryAttempt(attempts.Count + 1, clock.GetUtcNow(), "circuit-open", null, 0));
            throw new DeliveryFailedException($"{destination.Id} is failing; its circuit is open, so it was not called", circuitOpen: true);
        }
        catch (TimeoutRejectedException)
        {
            throw new DeliveryFailedException($"{destination.Id} did not answer in time");
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryFailedException($"{destination.Id} could not be reached ({e.HttpRequestError})");
        }
    }
}
