using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Domain.Forces;
using ReferralIntake.Functions.Delivery;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.ForceReferrals;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.ForceView;

/// <summary>
/// The force view as isolated-worker functions (what each page does is <see cref="ForceViewPages"/>'s): the
/// sign-in page and its post are public; the referral pages need the force view's cookie or a work account
/// (FunctionAccessMiddleware sends anyone else to sign in). Never cached.
/// </summary>
public static class ForceViewFunctions
{
    [Function("ForceViewSignInPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult SignInPage([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "force")] HttpRequest request) =>
        ForceViewPages.SignInPage(request.HttpContext, request.Service<IAntiforgery>(), request.Service<LocalInboxMode>(), request.Service<ForceDirectory>(), request.Service<IConfiguration>());

    [Function("ForceViewSignIn")]
    [Access(Caller.Public, RateLimits.WebFormPost, Page = true)]
    public static Task<IResult> SignInAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "force/sign-in")] HttpRequest request) =>
        ForceViewPages.SignInAsync(request.HttpContext, request.Service<IAntiforgery>(), request.Service<ForceKeys>(), request.Service<LocalInboxMode>(),
            request.Service<ForceDirectory>(), request.Service<IConfiguration>());

    [Function("ForceViewSignOut")]
    [Access(Caller.Public, Page = true)]
    public static Task<IResult> SignOutAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "force/sign-out")] HttpRequest request) =>
        ForceViewPages.SignOutAsync(request.HttpContext);

    [Function("ForceViewReferrals")]
    [Access(Caller.ForceView, Page = true)]
    public static Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "force/referrals")] HttpRequest request) =>
        ForceViewPages.ListAsync(request.HttpContext.User, request.Service<ForceReferralQueries>(), request.Service<ForceDirectory>(), request.Service<TimeProvider>(),
            request.HttpContext.RequestAborted);

    [Function("ForceViewReferral")]
    [Access(Caller.ForceView, Page = true)]
    public static Task<IResult> ShowAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "force/referrals/{reference}")] HttpRequest request, string reference) =>
        ForceViewPages.ShowAsync(reference, request.QueryValue("done"), request.HttpContext.User, request.HttpContext,
            request.Service<IAntiforgery>(), request.Service<ReferralDelivery>(), request.Service<Links.LinkNotices>(), request.Service<ForceDirectory>(),
            request.HttpContext.RequestAborted);

    [Function("ForceViewAcknowledge")]
    [Access(Caller.ForceView, Page = true)]
    public static Task<IResult> AcknowledgeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "force/referrals/{reference}/acknowledgement")] HttpRequest request, string reference) =>
        ForceViewPages.AcknowledgeAsync(reference, request.HttpContext.User, request.HttpContext, request.Service<IAntiforgery>(), request.Service<ReferralDelivery>(),
            request.Service<ForceDirectory>(), request.HttpContext.RequestAborted);

    /// <summary>Locally, the inbox is the force view, opened as any force.</summary>
    [Function("LocalInbox")]
    [Access(Caller.Public)]
    public static IResult Inbox([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "inbox")] HttpRequest request) =>
        request.Service<LocalInboxMode>().Enabled ? Results.Redirect("/force") : Results.NotFound();
}
