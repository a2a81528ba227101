using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace ReferralIntake.Functions.Delivery;

/// <summary>One webhook call as the handlers inside the HttpClient see it: where, what, and the attempts so far.</summary>
public sealed record WebhookCall(Destination Destination, string Reference, string IdempotencyKey, byte[] Body, List<DeliveryAttempt> Attempts);

/// <summary>
/// The webhooks' HttpClient, registered once: Microsoft.Extensions.Http.Resilience gives each
/// destination its own pipeline (overall timeout, retry with jittered exponential back-off that honours
/// Retry-After, circuit breaker, per-attempt timeout, in that order), so one failing force never holds
/// up another; inside it, <see cref="WebhookSigningHandler"/> signs and records every attempt, so each
/// retry carries a fresh timestamp. Redirects are never followed: a 3xx is a failed attempt.
/// </summary>
public static class WebhookDelivery
{
    public const string HttpClientName = "webhooks";
    public const string PipelineName = "webhook-delivery";

    /// <summary>The probes' client: signed like a delivery, but one call, no retries and no breaker (the probe is what decides).</summary>
    public const string ProbeClientName = "webhook-probes";
    public static readonly HttpRequestOptionsKey<WebhookCall> CallKey = new("ReferralIntake.WebhookCall");

    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services)
    {
        services.AddTransient<WebhookSigningHandler>();
        var http = services.AddHttpClient(HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan) // the pipeline times out
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        http.AddResilienceHandler(PipelineName, (builder, context) => Configure(
                builder, context.ServiceProvider.GetRequiredService<DeliveryOptions>(), context.ServiceProvider.GetRequiredService<TimeProvider>()))
            .SelectPipelineBy(_ => request => request.Options.TryGetValue(CallKey, out var call) ? call.Destination.Id : "unknown");
        http.AddHttpMessageHandler<WebhookSigningHandler>(); // added after: inside the pipeline, once per attempt
        services.AddHttpClient(ProbeClientName)
            .ConfigureHttpClient((sp, c) => c.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<DeliveryOptions>().PerAttemptTimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .AddHttpMessageHandler<WebhookSigningHandler>();
        services.AddSingleton<WebhookSender>();
        return services;
    }

    internal static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, DeliveryOptions options, TimeProvider clock)
    {
        builder.TimeProvider = clock;
        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(options.OverallTimeoutSeconds) });
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(options.RetryBaseDelaySeconds),
                ShouldRetryAfterHeader = true,
            });
        }

        builder
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                // A 429 is the destination asking for time (honoured through Retry-After), not a failure.
                ShouldHandle = args => args.Outcome.Result?.StatusCode == System.Net.HttpStatusCode.TooManyRequests
                    ? PredicateResult.False()
                    : ValueTask.FromResult(HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                FailureRatio = 0.5,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(options.BreakSeconds * 2, 10)),
                BreakDuration = TimeSpan.FromSeconds(options.BreakSeconds),
            })
            .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(options.PerAttemptTimeoutSeconds) });
    }
}

/// <summary>
/// Signs one attempt of a webhook call with a fresh timestamp (see <see cref="WebhookSignature"/>), adds
/// its Idempotency-Key and reference, and records the attempt's outcome for the audit trail.
/// </summary>
public sealed class WebhookSigningHandler(TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(WebhookDelivery.CallKey, out var call))
        {
            throw new InvalidOperationException("A webhook request without its WebhookCall.");
        }

        var number = call.Attempts.Count + 1;
        var at = clock.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var timestamp = at.ToUnixTimeSeconds();
        foreach (var (name, value) in new[]
        {
            (WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture)),
            (WebhookSignature.SignatureHeader, WebhookSignature.Sign(call.Destination.Secrets, timestamp, call.IdempotencyKey, call.Body)),
            (WebhookSignature.IdempotencyHeader, call.IdempotencyKey),
            (WebhookSignature.ReferenceHeader, call.Reference),
        })
        {
            request.Headers.Remove(name);
            request.Headers.Add(name, value);
        }

        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            call.Attempts.Add(new DeliveryAttempt(number, at, response.IsSuccessStatusCode ? "delivered" : "failed",
                (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            return response;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            call.Attempts.Add(new DeliveryAttempt(number, at, e is OperationCanceledException ? "timed-out" : "unreachable",
                null, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            throw;
        }
    }
}
