using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using ReferralIntake.Domain.Triage;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.WebForm;

/// <summary>
/// The parent web form and its statements as isolated-worker functions (what each page does is
/// <see cref="WebFormEndpoints"/>'s). Public pages: FunctionAccessMiddleware gives each the pages' headers and
/// a page, not a stack trace, when something fails; the form's posts meet its rate limits.
/// </summary>
public static class WebFormFunctions
{
    [Function("StartPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult Start([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "")] HttpRequest request) =>
        WebFormEndpoints.StartPage(request.HttpContext);

    [Function("AboutPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult About([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "about")] HttpRequest request) =>
        WebFormEndpoints.ProsePage(request.HttpContext, "about");

    [Function("LeavingQuicklyPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult LeavingQuickly([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "leaving-quickly")] HttpRequest request) =>
        WebFormEndpoints.ProsePage(request.HttpContext, "tracks");

    [Function("AccessibilityPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult Accessibility([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "accessibility")] HttpRequest request) =>
        WebFormEndpoints.ProsePage(request.HttpContext, "accessibility");

    [Function("PrivacyPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult Privacy([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "privacy")] HttpRequest request) =>
        WebFormEndpoints.ProsePage(request.HttpContext, "privacy");

    [Function("CookiesPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult Cookies([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cookies")] HttpRequest request) =>
        WebFormEndpoints.ProsePage(request.HttpContext, "cookies");

    [Function("ReportQuestions")]
    [Access(Caller.Public, Page = true)]
    public static IResult Questions([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "report")] HttpRequest request) =>
        WebFormEndpoints.QuestionsPage(request.HttpContext);

    [Function("CheckAnswers")]
    [Access(Caller.Public, RateLimits.WebFormPost, Page = true)]
    public static Task<IResult> CheckAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "report")] HttpRequest request) =>
        WebFormEndpoints.CheckAsync(request.HttpContext, request.Service<IAntiforgery>(), request.HttpContext.RequestAborted);

    [Function("ChangeAnswers")]
    [Access(Caller.Public, RateLimits.WebFormPost, Page = true)]
    public static Task<IResult> EditAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "report/edit")] HttpRequest request) =>
        WebFormEndpoints.EditAsync(request.HttpContext, request.Service<IAntiforgery>(), request.HttpContext.RequestAborted);

    [Function("SendReport")]
    [Access(Caller.Public, RateLimits.WebFormPost, Page = true)]
    public static Task<IResult> SendAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "report/send")] HttpRequest request) =>
        WebFormEndpoints.SendAsync(request.HttpContext, request.Service<IAntiforgery>(), request.Service<IntakeService>(), request.Service<TriagePolicy>(),
            request.Service<HandOffPolicy>(), request.HttpContext.RequestAborted);

    /// <summary>"Leave this site": one tap, from every page, forgetting the session.</summary>
    [Function("LeaveQuickly")]
    [Access(Caller.Public, Page = true)]
    public static IResult Leave([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "leave")] HttpRequest request) =>
        WebFormEndpoints.Leave(request.HttpContext, request.Service<WebFormOptions>(), request.Service<IOptions<AntiforgeryOptions>>());

    [Function("FeedbackPage")]
    [Access(Caller.Public, Page = true)]
    public static IResult Feedback([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "feedback")] HttpRequest request) =>
        ReferralIntake.Functions.Feedback.FeedbackEndpoints.FeedbackPage(request.HttpContext);

    [Function("SendFeedback")]
    [Access(Caller.Public, RateLimits.FeedbackPost, Page = true)]
    public static Task<IResult> SendFeedbackAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "feedback")] HttpRequest request) =>
        ReferralIntake.Functions.Feedback.FeedbackEndpoints.PostAsync(request.HttpContext, request.Service<IAntiforgery>(), request.Service<ReferralIntake.Functions.Feedback.FeedbackStore>(),
            request.Service<ILogger<ReferralIntake.Functions.Feedback.FeedbackStore>>(), request.HttpContext.RequestAborted);

    [Function("StatisticsPage")]
    [Access(Caller.Public, Page = true)]
    public static Task<IResult> StatisticsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "statistics")] HttpRequest request) =>
        Statistics.StatisticsPages.PageAsync(request.HttpContext, request.Service<Statistics.StatisticsCache>(), request.Service<Domain.Forces.ForceDirectory>(), request.HttpContext.RequestAborted);

    [Function("StatisticsCsv")]
    [Access(Caller.Public, Page = true)]
    public static Task<IResult> StatisticsCsvAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "statistics.csv")] HttpRequest request) =>
        Statistics.StatisticsPages.CsvAsync(request.HttpContext, request.Service<Statistics.StatisticsCache>(), request.Service<Domain.Forces.ForceDirectory>(), request.HttpContext.RequestAborted);
}
