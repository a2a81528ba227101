using System.Net;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace ReferralIntake.Functions.Delivery;

/// <summary>
/// One Polly pipeline per destination, built once on first use and kept: overall timeout, retry with
/// exponential back-off and jitter that honours Retry-After, a circuit breaker (so one failing force
/// does not hold up the others), and a per-attempt timeout, in that order.
/// </summary>
public sealed class DeliveryPipelines(DeliveryOptions options, TimeProvider clock) : IDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new(new ResiliencePipelineRegistryOptions<string>());

    public ResiliencePipeline<HttpResponseMessage> For(string destinationId) =>
        _registry.GetOrAddPipeline<HttpResponseMessage>(destinationId, builder => Build(builder, options, clock));

    public void Dispose() => _registry.Dispose();

    internal static void Build(ResiliencePipelineBuilder<HttpResponseMessage> builder, DeliveryOptions options, TimeProvider clock)
    {
        var shouldRetry = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(IsTransientFailure);
        builder.TimeProvider = clock;
        builder.AddTimeout(TimeSpan.FromSeconds(options.OverallTimeoutSeconds));
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = shouldRetry,
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(options.RetryBaseDelaySeconds),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options)),
            });
        }

        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = shouldRetry,
                FailureRatio = 0.5,
                MinimumThroughput = options.BreakerMinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(options.BreakSeconds * 2, 10)),
                BreakDuration = TimeSpan.FromSeconds(options.BreakSeconds),
            })
            .AddTimeout(TimeSpan.FromSeconds(options.PerAttemptTimeoutSeconds));
    }

    /// <summary>Worth trying again: a server error, a timeout, or throttling.</summary>
    public static bool IsTransientFailure(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>The receiver's Retry-After, capped; null lets the back-off decide.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, DeliveryOptions options)
    {
        var header = response?.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w && w > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Min(w.TotalSeconds, options.MaxRetryAfterSeconds)) : null;
    }
}
