using System.Diagnostics;
using System.Net.Http.Headers;
using Polly.CircuitBreaker;

namespace ReferralIntake.Functions.Delivery;

/// <summary>One HTTP attempt at a delivery, for the audit trail.</summary>
public sealed record DeliveryAttempt(int Number, DateTimeOffset At, string Outcome, int? StatusCode, double DurationMs);

/// <summary>A delivery that did not succeed within its pipeline's budget.</summary>
public sealed class DeliveryFailedException(string message) : Exception(message);

/// <summary>
/// Posts a signed JSON document to a destination's webhook through that destination's pipeline. Every
/// attempt carries the same Idempotency-Key, so the receiver can recognise a retry, and a fresh
/// timestamp and signature (see <see cref="WebhookSignature"/>).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpClients, DeliveryPipelines pipelines, TimeProvider clock)
{
    public const string HttpClientName = "webhooks";

    /// <summary>Sends, adding each attempt to <paramref name="attempts"/>; throws <see cref="DeliveryFailedException"/> when it gave up.</summary>
    public async Task SendAsync(
        Destination destination, string reference, string idempotencyKey, byte[] body, List<DeliveryAttempt> attempts, CancellationToken ct)
    {
        var http = httpClients.CreateClient(HttpClientName);
        try
        {
            using var response = await pipelines.For(destination.Id).ExecuteAsync(async token =>
            {
                var number = attempts.Count + 1;
                var started = Stopwatch.GetTimestamp();
                var at = clock.GetUtcNow();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, destination.Url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
                    request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(destination.Secret, timestamp, body));
                    request.Headers.Add(WebhookSignature.IdempotencyHeader, idempotencyKey);
                    request.Headers.Add(WebhookSignature.ReferenceHeader, reference);
                    var response = await http.SendAsync(request, token).ConfigureAwait(false);
                    attempts.Add(new DeliveryAttempt(number, at, response.IsSuccessStatusCode ? "delivered" : "failed",
                        (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    return response;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    attempts.Add(new DeliveryAttempt(number, at, e is OperationCanceledException ? "timed-out" : "unreachable",
                        null, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    throw;
                }
            }, ct).ConfigureAwait(false);

            if (!response.IsSuccessStatusCode)
            {
                throw new DeliveryFailedException($"{destination.Id} answered HTTP {(int)response.StatusCode}");
            }
        }
        catch (BrokenCircuitException)
        {
            attempts.Add(new DeliveryAttempt(attempts.Count + 1, clock.GetUtcNow(), "circuit-open", null, 0));
            throw new DeliveryFailedException($"{destination.Id} is failing; its circuit is open, so it was not called");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            throw new DeliveryFailedException($"{destination.Id} did not answer in time");
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryFailedException($"{destination.Id} could not be reached ({e.HttpRequestError})");
        }
    }
}
