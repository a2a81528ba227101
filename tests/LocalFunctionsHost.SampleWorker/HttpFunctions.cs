using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace LocalFunctionsHost.SampleWorker;

public static class HttpFunctions
{
    /// <summary>What the worker saw of the request: the tests compare it with what the client sent.</summary>
    [Function("Hello")]
    public static IResult Hello([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "hello/{name}")] HttpRequest request, string name) =>
        Results.Json(new Dictionary<string, string?>
        {
            ["greeting"] = $"hello {name}",
            ["remoteAddress"] = request.HttpContext.Connection.RemoteIpAddress?.ToString(),
            ["forwardedFor"] = request.Headers["X-Forwarded-For"].ToString(),
            ["invocationId"] = request.Headers["x-ms-invocation-id"].ToString(),
            ["sampleSetting"] = Environment.GetEnvironmentVariable("SampleSetting"),
            ["overriddenSetting"] = Environment.GetEnvironmentVariable("OverriddenSetting"),
            ["processId"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    [Function("Echo")]
    public static async Task<IResult> Echo([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "echo")] HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        return Results.Text(body, request.ContentType, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Fails inside the function: the host must answer 500, and the worker must live on.</summary>
    [Function("Throw")]
    public static IResult Throw([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throw")] HttpRequest request) =>
        throw new InvalidOperationException("the sample's deliberate failure");

    /// <summary>Ends the worker process after answering: the host must start another one.</summary>
    [Function("Crash")]
    public static IResult Crash([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "crash")] HttpRequest request)
    {
        request.HttpContext.Response.OnCompleted(() =>
        {
            _ = Task.Run(() =>
            {
                Thread.Sleep(200); // let the response leave the process first
                Process.GetCurrentProcess().Kill();
            });
            return Task.CompletedTask;
        });
        return Results.Accepted();
    }
}
