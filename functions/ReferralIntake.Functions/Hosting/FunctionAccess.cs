using System.Collections.Concurrent;
using System.Reflection;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Intake;

namespace ReferralIntake.Functions.Hosting;

/// <summary>Who may call an HTTP function. The Functions host's authLevel is not the gate (every function is
/// Anonymous to the host): this is, read by <see cref="FunctionAccessMiddleware"/>.</summary>
public enum Caller
{
    /// <summary>Anyone: the public pages and the health check.</summary>
    Public,

    /// <summary>A partner app with its X-Api-Key (PartnerAuthentication).</summary>
    Partner,

    /// <summary>A police force (or CEOP) with its own X-Api-Key (ForceAuthentication).</summary>
    Force,

    /// <summary>An operator: Entra ID with the Operator role, or locally the admin key (OperatorAuthentication).</summary>
    Operator,

    /// <summary>A person at a force in the browser: the force view's cookie, or a work account through Entra ID.</summary>
    ForceView,
}

/// <summary>
/// Declares an HTTP function's caller and, where it has one, its rate-limit policy (<see cref="RateLimits"/>).
/// Every HTTP function carries one: a function without it is refused, never silently public.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AccessAttribute(Caller caller, string? rateLimit = null) : Attribute
{
    public Caller Caller { get; } = caller;

    public string? RateLimit { get; } = rateLimit;

    /// <summary>The answer is about a child: no cache may keep it (Cache-Control: no-store).</summary>
    public bool NoStore { get; init; }

    /// <summary>An HTML page: every page's headers (WebFormEndpoints.SetPageHeaders), and a failure answered with a page, not a stack trace.</summary>
    public bool Page { get; init; }

    /// <summary>The authentication scheme that identifies this caller, or null for anyone.</summary>
    public string? Scheme => Caller switch
    {
        Caller.Partner => PartnerAuthentication.SchemeName,
        Caller.Force => ForceAuthentication.SchemeName,
        Caller.Operator => Admin.OperatorAuthentication.SchemeName,
        Caller.ForceView => ForceView.ForceViewPages.Scheme,
        _ => null,
    };
}

/// <summary>Each function's declared access, read once from its method, and a rate limiter per policy.</summary>
public sealed class FunctionAccess : IDisposable
{
    private readonly ConcurrentDictionary<string, AccessAttribute?> _byFunction = new();
    private readonly ConcurrentDictionary<string, PartitionedRateLimiter<HttpContext>> _limiters = new();

    public AccessAttribute? For(FunctionContext context) => _byFunction.GetOrAdd(context.FunctionId, _ => Declared(context.FunctionDefinition.EntryPoint));

    /// <summary>The [Access] on the method an entry point ("Namespace.Type.Method") names, if any.</summary>
    public static AccessAttribute? Declared(string entryPoint)
    {
        var dot = entryPoint.LastIndexOf('.');
        var type = typeof(FunctionAccess).Assembly.GetType(entryPoint[..dot]);
        return type?.GetMethod(entryPoint[(dot + 1)..], BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance)?.GetCustomAttribute<AccessAttribute>();
    }

    public PartitionedRateLimiter<HttpContext> Limiter(string policy) =>
        _limiters.GetOrAdd(policy, p => p == AllFormPosts
            ? PartitionedRateLimiter.Create<HttpContext, string>(RateLimits.AllFormPosts)
            : PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimits.Partition(p, http)));

    /// <summary>The limiter's key for all the form's posts together.</summary>
    public const string AllFormPosts = "all-form-posts";

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}

/// <summary>
/// Runs around every HTTP function: authenticates the caller the function declares, applies its rate limit,
/// and refuses by setting the invocation's result (a problem document) without running the function, so
/// the invocation still completes for the host (a refusal written by ASP.NET Core middleware would leave
/// the host waiting for it: ../shared/DESIGN.md). A function that throws is answered the same way: a page, or
/// a problem document.
/// </summary>
public sealed partial class FunctionAccessMiddleware(FunctionAccess access, ILogger<FunctionAccessMiddleware> log) : IFunctionsWorkerMiddleware
{
    public static bool IsHttpFunction(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(b => b.Type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase));

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext() ?? throw new InvalidOperationException("An HTTP function without its HttpContext: is ASP.NET Core integration on?");
        if (access.For(context) is not { } declared)
        {
            context.GetInvocationResult().Value = Problems.Undeclared();
            return;
        }

        if (declared.Caller == Caller.Operator && !Admin.OperatorAuthentication.Available(
            http.RequestServices.GetRequiredService<IConfiguration>(), http.RequestServices.GetRequiredService<Storage.StorageClients>()))
        {
            context.GetInvocationResult().Value = Problems.NotFound(); // neither Entra ID nor the local admin key: as if the routes did not exist
            return;
        }

        if (declared.NoStore)
        {
            http.Response.Headers.CacheControl = "no-store";
        }

        if (declared.Scheme is { } scheme)
        {
            var result = await http.AuthenticateAsync(scheme).ConfigureAwait(false);
            if (!result.Succeeded && declared.Caller == Caller.ForceView)
            {
                result = await http.AuthenticateAsync(ForceView.EntraForceAuthentication.SchemeName).ConfigureAwait(false);
            }

            if (!result.Succeeded)
            {
                // An API caller gets a problem document; a person at a force is sent to sign in (the cookie's challenge).
                context.GetInvocationResult().Value = declared.Caller == Caller.ForceView ? Results.Challenge(null, [scheme]) : Problems.Unauthorized();
                return;
            }

            http.User = result.Principal;
        }

        if (declared.Page)
        {
            WebForm.WebFormEndpoints.SetPageHeaders(http.Response);
        }

        if (declared.RateLimit is { } policy)
        {
            // As the app's rate limiter orders them: all the form's posts together first, then this client's own.
            foreach (var limiter in RateLimits.IsFormPost(policy) ? [FunctionAccess.AllFormPosts, policy] : new[] { policy })
            {
                using var lease = await access.Limiter(limiter).AcquireAsync(http, 1, http.RequestAborted).ConfigureAwait(false);
                if (!lease.IsAcquired)
                {
                    context.GetInvocationResult().Value = RateLimits.Refused(http, lease);
                    return;
                }
            }
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A page says so as a page; the API answers a problem document (only the exception's type is logged).
            if (!declared.Page)
            {
                LogFailed(log, context.FunctionDefinition.Name, e.GetType().Name);
            }

            context.GetInvocationResult().Value = declared.Page ? WebForm.WebFormEndpoints.PageFailed(http, e) : Problems.Unexpected();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} failed ({Error}); answered 500 with a problem document")]
    private static partial void LogFailed(ILogger logger, string function, string error);
}
