namespace ReferralIntake.Functions.Hosting;

/// <summary>A function's request values as a minimal API binds them, for the handlers both hostings share.</summary>
public static class FunctionRequest
{
    /// <summary>A header's value as [FromHeader] binds a string: null when absent.</summary>
    public static string? HeaderValue(this HttpRequest request, string name) => request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>A service for a function's handler, from the request's scope (as a minimal API injects it).</summary>
    public static T Service<T>(this HttpRequest request) where T : notnull => request.HttpContext.RequestServices.GetRequiredService<T>();

    /// <summary>A query value as a minimal API binds a string: null when absent.</summary>
    public static string? QueryValue(this HttpRequest request, string name) => request.Query.TryGetValue(name, out var value) ? value.ToString() : null;
}
