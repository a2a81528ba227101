using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Api;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Tests.Support;

/// <summary>
/// The partner and force contract as the code states it: the API's route map with its types and metadata
/// (Api/ReferralsApi.MapReferralsApiV1, the same handlers the worker's functions call) run through ASP.NET
/// Core's OpenAPI generator, which does not see functions, in a throwaway app on a loopback port. The worker
/// serves the document kept in the repo; this is what proves that document is the code's.
/// </summary>
public static class ContractFromCode
{
    public static async Task<string> GenerateAsync(AzuriteFixture azurite)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("AzureWebJobsStorage", (string?)azurite.ConnectionString)]);
        // The app's services, so the generator tells services from body parameters as the app's binding does.
        builder.Services.AddReferralIntake(builder.Configuration);
        builder.Services.AddReferralsContract();
        await using var app = builder.Build();
        app.MapReferralsApiV1();
        app.MapOpenApi("/api/openapi/{documentName}.json");
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            return await http.GetStringAsync("/api/openapi/v1.json");
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
