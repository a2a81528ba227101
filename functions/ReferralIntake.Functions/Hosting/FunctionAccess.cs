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

    /// <summary>The authentication scheme that identifies this caller, or null for anyone.</summary>
    public string? Scheme => Caller switch
    {
        Caller.Partner => PartnerAuthentication.SchemeName,
        Caller.Force => ForceAuthentication.SchemeName,
        Caller.Operator => Admin.OperatorAuthentication.SchemeName,
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
        _limiters.GetOrAdd(policy, p => PartitionedRateLimiter.Create<HttpContext, string>(http => RateLimits.Partition(p, http)));

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}

/// <summary>
/// Runs before every HTTP function: authenticates the caller the function declares, applies its rate limit,
/// and refuses by setting the invocation's result (a problem document) without running the function, so
/// the invocation still completes for the host (a refusal written by ASP.NET Core middleware would leave
/// the host waiting for it: ../shared/DESIGN.md).
/// </summary>
public sealed class FunctionAccessMiddleware(FunctionAccess access) : IFunctionsWorkerMiddleware
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
            if (!result.Succeeded)
            {
                context.GetInvocationResult().Value = Problems.Unauthorized();
                return;
            }

            http.User = result.Principal;
        }

        if (declared.RateLimit is { } policy)
        {
            using var lease = await access.Limiter(policy).AcquireAsync(http, 1, http.RequestAborted).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(10);
                context.GetInvocationResult().Value = Problems.TooManyRequests(http, wait);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }
}
