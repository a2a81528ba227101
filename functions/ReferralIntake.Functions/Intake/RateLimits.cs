using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.WebForm;

namespace ReferralIntake.Functions.Intake;

/// <summary>
/// Request rates, with System.Threading.RateLimiting's token buckets: one per partner and purpose (a
/// minute's allowance as a burst, refilled every 10 seconds), one per web form client, and one for all
/// the form's posts together. Each HTTP function names its policy ([Access(…, rateLimit)], enforced by
/// Hosting/FunctionAccess); a refusal is a 429 with Retry-After, as a problem document for the API and
/// as a page for the form.
/// </summary>
public static class RateLimits
{
    public const string PartnerSubmit = "partner-submit", PartnerStatus = "partner-status", WebFormPost = "web-form", FeedbackPost = "feedback";

    /// <summary>The bucket a request falls in under a policy, as the worker's function middleware (Hosting/FunctionAccess) asks.</summary>
    public static RateLimitPartition<string> Partition(string policy, HttpContext http) => policy switch
    {
        PartnerSubmit or PartnerStatus => PerPartner(http, policy),
        WebFormPost => Bucket($"{WebFormPost}:{WebFormEndpoints.ClientKey(http)}", http.RequestServices.GetRequiredService<WebFormOptions>().PostsPerMinute),
        // Feedback is given once: a few a minute from one client is already a lot.
        FeedbackPost => Bucket($"{FeedbackPost}:{WebFormEndpoints.ClientKey(http)}", http.RequestServices.GetRequiredService<WebFormOptions>().FeedbackPerMinute),
        _ => throw new ArgumentException($"No rate-limit policy '{policy}'.", nameof(policy)),
    };

    /// <summary>Whether a policy's requests also count towards all the form's posts together (the form, feedback, the force view's sign-in).</summary>
    public static bool IsFormPost(string policy) => policy is WebFormPost or FeedbackPost;

    /// <summary>Besides each client's own allowance, all form posts together: a flood from many addresses meets this.</summary>
    public static RateLimitPartition<string> AllFormPosts(HttpContext http) =>
        Bucket($"{WebFormPost}:all", http.RequestServices.GetRequiredService<WebFormOptions>().GlobalPostsPerMinute);

    /// <summary>The answer to a request over its rate: a problem document for the API, a page for the form.</summary>
    public static IResult Refused(HttpContext http, RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(10);
        return http.Request.Path.StartsWithSegments("/api") ? Problems.TooManyRequests(http, wait) : WebFormEndpoints.TooManyPosts(http, wait);
    }

    private static RateLimitPartition<string> PerPartner(HttpContext http, string purpose)
    {
        var partnerId = PartnerAuthentication.PartnerId(http.User);
        var perMinute = http.RequestServices.GetRequiredService<Partners>().Find(partnerId)?.RequestsPerMinute ?? 60;
        return Bucket($"{purpose}:{partnerId}", perMinute);
    }

    private static RateLimitPartition<string> Bucket(string key, int perMinute) => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
    {
        TokenLimit = perMinute,
        TokensPerPeriod = Math.Max(1, perMinute / 6),
        ReplenishmentPeriod = TimeSpan.FromSeconds(10),
        QueueLimit = 0,
        AutoReplenishment = true,
    });
}
