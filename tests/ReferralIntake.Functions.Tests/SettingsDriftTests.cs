using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Settings that cannot drift: the code, local.settings.sample.json, host.json, function.json files and the Bicep agree.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class SettingsDriftTests(AzuriteFixture azurite)
{
    private static readonly QueueListenerOptions Listener = new();

    private IReadOnlyCollection<string> AppRoutes()
    {
        using var app = new TestApp(azurite, new() { ["QueueListener:Enabled"] = "false" });
        return [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))];
    }

    private List<string> Check(DriftInputs inputs) => SettingsDrift.Check(inputs, SettingsCatalogue.All, Listener, AppRoutes());

    [Fact]
    public void The_repo_has_no_drift()
    {
        Assert.Empty(Check(DriftInputs.FromRepo()));
    }

    public static TheoryData<string, Func<DriftInputs, DriftInputs>, string> OneChangeInOnePlace => new()
    {
        { "queue renamed locally only", i => i with { LocalSettingsSample = i.LocalSettingsSample.Replace("\"ReferralQueueName\": \"referrals\"", "\"ReferralQueueName\": \"referals\"", StringComparison.Ordinal) }, "queue name differs" },
        { "queue renamed in Bicep only", i => i with { MainBicep = i.MainBicep.Replace("var queueName = 'referrals'", "var queueName = 'reports'", StringComparison.Ordinal) }, "queue name differs" },
        { "container renamed locally only", i => i with { LocalSettingsSample = i.LocalSettingsSample.Replace("\"ReferralContainerName\": \"referrals\"", "\"ReferralContainerName\": \"reports\"", StringComparison.Ordinal) }, "container name differs" },
        { "setting dropped from Bicep", i => i with { FunctionAppBicep = i.FunctionAppBicep.Replace("  Retention__Days: string(retentionDays)\n", "", StringComparison.Ordinal) }, "Retention__Days" },
        { "setting renamed in Bicep", i => i with { FunctionAppBicep = i.FunctionAppBicep.Replace("ReferralQueueName: queueName", "ReferralsQueueName: queueName", StringComparison.Ordinal) }, "ReferralsQueueName, which the code does not read" },
        { "unknown local setting", i => i with { LocalSettingsSample = i.LocalSettingsSample.Replace("\"Values\": {", "\"Values\": {\n    \"ReferalQueueName\": \"x\",", StringComparison.Ordinal) }, "ReferalQueueName, which the code does not read" },
        { "function.json queue setting renamed", i => i with { FunctionJsons = i.FunctionJsons.ToDictionary(p => p.Key, p => p.Value.Replace("%ReferralQueueName%", "%QueueName%", StringComparison.Ordinal)) }, "reads the queue name from QueueName" },
        { "function.json route renamed", i => i with { FunctionJsons = i.FunctionJsons.ToDictionary(p => p.Key, p => p.Value.Replace("\"api/referrals\"", "\"api/referral\"", StringComparison.Ordinal)) }, "routes api/referral, which the app does not serve" },
        { "host.json maxDequeueCount", i => i with { HostJson = i.HostJson.Replace("\"maxDequeueCount\": 5", "\"maxDequeueCount\": 3", StringComparison.Ordinal) }, "maxDequeueCount" },
        { "public blob access", i => i with { StorageBicep = i.StorageBicep.Replace("allowBlobPublicAccess: false", "allowBlobPublicAccess: true", StringComparison.Ordinal) }, "public blob access" },
        { "shared keys", i => i with { StorageBicep = i.StorageBicep.Replace("allowSharedKeyAccess: false", "allowSharedKeyAccess: true", StringComparison.Ordinal) }, "shared-key access" },
        { "TLS 1.0", i => i with { StorageBicep = i.StorageBicep.Replace("minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'", StringComparison.Ordinal) }, "TLS 1.2" },
        { "HTTP allowed", i => i with { FunctionAppBicep = i.FunctionAppBicep.Replace("httpsOnly: true", "httpsOnly: false", StringComparison.Ordinal) }, "HTTPS only" },
        { "purge protection off", i => i with { KeyVaultBicep = i.KeyVaultBicep.Replace("enablePurgeProtection: true", "enablePurgeProtection: false", StringComparison.Ordinal) }, "purge protection" },
    };

    [Theory]
    [MemberData(nameof(OneChangeInOnePlace))]
    public void A_name_or_property_changed_in_one_place_only_is_caught(string change, Func<DriftInputs, DriftInputs> mutate, string expected)
    {
        var repo = DriftInputs.FromRepo();
        var mutated = mutate(repo);
        Assert.NotEqual(repo, mutated); // the change really happened

        var problems = Check(mutated);

        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"{change}: expected a problem mentioning '{expected}', got: {string.Join(" | ", problems)}");
    }
}
