using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Polly;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Storage;

namespace ReferralIntake.Functions.Health;

/// <summary>GET /api/health: healthy once the app can reach its queue and its blob container.</summary>
public static class HealthFunction
{
    public sealed record HealthBody(string Status, string Queue, string Container);

    [Function("Health")]
    [Access(Caller.Public)]
    public static async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request) =>
        await HandleAsync(request.HttpContext, request.Service<StorageClients>(),
            request.HttpContext.RequestServices.GetRequiredKeyedService<ResiliencePipeline>(IntakeResilience.Key), request.HttpContext.RequestAborted).ConfigureAwait(false);

    public static async Task<Results<Ok<HealthBody>, ProblemHttpResult>> HandleAsync(
        HttpContext http, StorageClients storage,
        [FromKeyedServices(IntakeResilience.Key)] ResiliencePipeline resilience, CancellationToken ct)
    {
        try
        {
            await resilience.ExecuteAsync(async c =>
            {
                // Creating what is missing makes a fresh Azurite usable at once; in Azure, infra has made them.
                await storage.EnsureCreatedOnceAsync(c).ConfigureAwait(false);
                await storage.Queue.GetPropertiesAsync(c).ConfigureAwait(false);
                await storage.Container.GetPropertiesAsync(cancellationToken: c).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            return TypedResults.Ok(new HealthBody("healthy", storage.Queue.Name, storage.Container.Name));
        }
        catch (Exception e) when (IntakeResilience.IsOutage(e) || e is Azure.RequestFailedException)
        {
            return Problems.Unavailable(http, TimeSpan.FromSeconds(5), "Queue or blob storage cannot be reached yet.");
        }
    }
}
