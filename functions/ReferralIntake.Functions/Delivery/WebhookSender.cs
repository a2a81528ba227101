using System.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ReferralIntake.Functions.Delivery;

/// <summary>One HTTP attempt at a delivery, for the audit trail.</summary>
public sealed record DeliveryAttempt(int Number, DateTimeOffset At, string Outcome, int? StatusCode, double DurationMs);

/// <summary>A delivery that did not succeed within its attempt's budget: to be tried again later, at the earliest after <see cref="RetryAfter"/>.</summary>
/// <param name="CircuitOpen">The destination was not called at all (its breaker is open): no chance was spent.</param>
/// <param name="DestinationDown">The destination itself is failing (5xx, 408, timeout, unreachable, open breaker) or asked
/// for time (429): its routes wait for it. Otherwise (a redirect, another 4xx) the failure is this document's alone.</param>
public sealed class DeliveryFailedException(string message, TimeSpan? retryAfter = null, bool circuitOpen = false, bool destinationDown = false) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool CircuitOpen { get; } = circuitOpen;

    public bool DestinationDown { get; } = destinationDown;

    /// <summary>The destination asked for time (429): it is paused, not failing.</summary>
    public bool AskedForTime { get; init; }
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
                var status = (int)response.StatusCode;
                throw new DeliveryFailedException($"{destination.Id} answered HTTP {status}", retryAfter, destinationDown: IsDown(status))
                {
                    AskedForTime = status == StatusCodes.Status429TooManyRequests,
                };
            }
        }
        catch (BrokenCircuitException e)
        {
            attempts.Add(new DeliveryAttempt(attempts.Count + 1, clock.GetUtcNow(), "circuit-open", null, 0));
            throw new DeliveryFailedException($"{destination.Id} is failing; its circuit is open, so it was not called", e.RetryAfter, circuitOpen: true, destinationDown: true);
        }
        catch (TimeoutRejectedException)
        {
            throw new DeliveryFailedException($"{destination.Id} did not answer in time", destinationDown: true);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryFailedException($"{destination.Id} could not be reached ({e.HttpRequestError})", destinationDown: true);
        }
    }

    /// <summary>A status that says the destination, not this document, is the trouble.</summary>
    private static bool IsDown(int status) => status >= 500 || status is StatusCodes.Status408RequestTimeout or StatusCodes.Status429TooManyRequests;

    /// <summary>
    /// The probe of a destination whose routes are waiting (API.md, "Force hand-off": the addition): a signed
    /// <c>{"kind":"ping"}</c> with an Idempotency-Key of its own, once, no retries, never any referral. Any
    /// answer below 500 but 408 and 429 is the destination up (a force that does not know pings may refuse one
    /// with a 400: it is answering). Returns whether it is up, and how long it asked to wait (a 429).
    /// </summary>
    public async Task<(bool Up, TimeSpan? RetryAfter, string Outcome)> PingAsync(Destination destination, string probeId, CancellationToken ct)
    {
        var http = httpClients.CreateClient(WebhookDelivery.ProbeClientName);
        var body = "{\"contractVersion\":1,\"kind\":\"ping\"}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, destination.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Options.Set(WebhookDelivery.CallKey, new WebhookCall(destination, "ping", $"ping:{probeId}", body, []));
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var retryAfter = response.Headers.RetryAfter is { } header ? header.Delta ?? (header.Date is { } date ? date - clock.GetUtcNow() : null) : null;
            return (!IsDown(status), status == StatusCodes.Status429TooManyRequests ? retryAfter ?? TimeSpan.FromSeconds(1) : null, $"HTTP {status}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (false, null, e is TaskCanceledException ? "no answer in time" : "unreachable");
        }
    }
}
