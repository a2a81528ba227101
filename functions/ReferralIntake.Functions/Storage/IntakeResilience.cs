using System.Net;
using Azure;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace ReferralIntake.Functions.Storage;

/// <summary>
/// The resilience pipeline around storage calls at intake, registered once through Polly.Extensions
/// (so Polly's logs and metrics come with it): an overall timeout, a short
/// retry with jittered back-off, a circuit breaker and a per-attempt timeout, in that order. A storage
/// outage therefore answers 503 within seconds instead of holding a worried parent's request open.
/// </summary>
public static class IntakeResilience
{
    public const string Key = "intake-storage";

    public sealed class Options
    {
        public TimeSpan Overall { get; set; } = TimeSpan.FromSeconds(8);
        public TimeSpan PerAttempt { get; set; } = TimeSpan.FromSeconds(3);
        public int Retries { get; set; } = 2;
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);
        public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
        public int BreakerMinimumThroughput { get; set; } = 6;
    }

    /// <summary>Registers the pipeline under <see cref="Key"/>, and as a keyed service for handlers to take with [FromKeyedServices].</summary>
    public static IServiceCollection AddIntakeResilience(this IServiceCollection services, Options options)
    {
        services.AddResiliencePipeline(Key, (builder, context) =>
        {
            builder.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            Configure(builder, options);
        });
        services.AddKeyedSingleton(Key, (sp, _) => sp.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(Key));
        return services;
    }

    public static ResiliencePipelineBuilder Configure(ResiliencePipelineBuilder builder, Options options) => builder
        .AddTimeout(options.Overall)
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            MaxRetryAttempts = options.Retries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryDelay,
        })
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            FailureRatio = 0.5,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = options.BreakDuration,
        })
        .AddTimeout(options.PerAttempt);

    /// <summary>Storage faults worth another try: no answer, a timeout, throttling or a server error.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        RequestFailedException r => r.Status is 0 or (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500,
        HttpRequestException or TimeoutRejectedException or TaskCanceledException or IOException => true,
        AggregateException a => a.InnerExceptions.All(IsTransient),
        _ => false,
    };

    /// <summary>True when storage cannot be reached now: the caller should answer 503 with Retry-After.</summary>
    public static bool IsOutage(Exception e) => e is BrokenCircuitException || IsTransient(e);
}
