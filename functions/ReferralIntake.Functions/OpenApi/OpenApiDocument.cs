using Microsoft.Azure.Functions.Worker;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.OpenApi;

/// <summary>
/// The partner and force contract as an OpenAPI document kept in the repo (openapi.v1.json beside this file,
/// embedded in the assembly) and served as it is: ASP.NET Core's generator does not see functions.
/// OpenApiContractTests prove it against the code: it is the document the code's own routes and types generate,
/// and every partner and force function's route and method is in it, and nothing else.
/// </summary>
public static class OpenApiDocument
{
    public const string ResourceName = "ReferralIntake.OpenApi.v1.json";

    private static readonly Lazy<byte[]> Document = new(() =>
    {
        using var stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    [Function("OpenApiDocument")]
    [Access(Caller.Public)]
    public static IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi/v1.json")] HttpRequest request)
    {
        _ = request;
        return Results.Bytes(Document.Value, "application/json;charset=utf-8");
    }
}
