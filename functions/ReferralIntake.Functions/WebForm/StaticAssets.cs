using System.Collections.Frozen;
using System.Security.Cryptography;

namespace ReferralIntake.Functions.WebForm;

/// <summary>
/// The form's CSS and JavaScript, served from the app itself (no CDN): GOV.UK Frontend from the pinned
/// npm package and our own small files, embedded into the assembly at build time (see the .csproj), so
/// they travel wherever the app does. Cached for a day, revalidated by ETag.
/// </summary>
public static class StaticAssets
{
    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType, string ETag)> Files = Load();

    /// <summary>The isolated worker's entry point: the assets under their own prefix.</summary>
    [Microsoft.Azure.Functions.Worker.Function("Assets")]
    [Hosting.Access(Hosting.Caller.Public)]
    public static IResult Run(
        [Microsoft.Azure.Functions.Worker.HttpTrigger(Microsoft.Azure.Functions.Worker.AuthorizationLevel.Anonymous, "get", Route = "assets/{name}")] HttpRequest request,
        string name) => Serve(name, request.HttpContext);

    public static IResult Serve(string name, HttpContext http)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }

        http.Response.Headers.CacheControl = "public, max-age=86400";
        http.Response.Headers.ETag = file.ETag;
        return http.Request.Headers.IfNoneMatch == file.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(file.Content, file.ContentType);
    }

    private static FrozenDictionary<string, (byte[], string, string)> Load()
    {
        const string prefix = "ReferralIntake.Assets.";
        var assembly = typeof(StaticAssets).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(
                n => n[prefix.Length..],
                n =>
                {
                    using var stream = assembly.GetManifestResourceStream(n)!;
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    var bytes = buffer.ToArray();
                    var type = Path.GetExtension(n) switch
                    {
                        ".css" => "text/css; charset=utf-8",
                        ".js" or ".mjs" => "text/javascript; charset=utf-8",
                        _ => "application/octet-stream",
                    };
                    return (bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
                },
                StringComparer.Ordinal);
    }
}
