using System.Text.Json.Nodes;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Tests.Infra;
using ReferralIntake.Functions.Tests.Support;

namespace ReferralIntake.Functions.Tests;

/// <summary>Settings that cannot drift: the code, local.settings.sample.json, host.json, the worker's functions.metadata
/// and the compiled Bicep (ARM JSON, evaluated with the dev parameter file) agree.</summary>
public sealed class SettingsDriftTests(CompiledInfraFixture compiled) : IClassFixture<CompiledInfraFixture>
{
    private static List<string> Check(DriftInputs inputs) => SettingsDrift.Check(inputs, SettingsCatalogue.All);

    [Fact]
    public void The_repo_has_no_drift()
    {
        Assert.True(compiled.Infra.Clean, string.Join('\n', compiled.Infra.Diagnostics.Concat(compiled.Infra.Failures)));
        Assert.Empty(Check(DriftInputs.FromRepo(compiled.Infra)));
    }

    private const string Storage = "Microsoft.Storage/storageAccounts", Site = "Microsoft.Web/sites", Vault = "Microsoft.KeyVault/vaults";

    public static TheoryData<string, Func<DriftInputs, DriftInputs>, string> OneChangeInOnePlace => new()
    {
        { "queue renamed locally only", i => i with { LocalSettingsSample = i.LocalSettingsSample.Replace("\"ReferralQueueName\": \"referrals\"", "\"ReferralQueueName\": \"referals\"", StringComparison.Ordinal) }, "queue name differs" },
        { "queue renamed in Bicep only", i => i.WithVariables(null, v => v["queueName"] = "reports"), "queue name differs" },
        { "container renamed locally only", i => i with { LocalSettingsSample = i.LocalSettingsSample.Replace("\"ReferralContainerName\": \"referrals\"", "\"ReferralContainerName\": \"reports\"", StringComparison.Ordinal) }, "container name differs" },
        { "poison queue not created", i => i.WithResource("Microsoft.Storage/storageAccounts/queueServices/queues", q => { if (q["name"]!.ToString().Contains("-poison", StringComparison.Ordinal)) { q["name"] = "[format('{0}/{1}/{2}', parameters('name'), 'default', 'elsewhere')]"; } }), "poison queue referrals-poison" },
        { "queue not created", i => i.WithResource("Microsoft.Storage/storageAccounts/queueServices/queues", q => { if (!q["name"]!.ToString().Contains("-poison", StringComparison.Ordinal)) { q["name"] = "[format('{0}/{1}/{2}', parameters('name'), 'default', 'elsewhere')]"; } }), "does not create the queue referrals" },
        { "setting dropped from Bicep", i => i.WithVariables("functionapp", v => v["baseSettings"]!.AsObject().Remove("Retention__Days")), "Retention__Days" },
        { "setting renamed in Bicep", i => i.WithVariables("functionapp", v => { var s = v["baseSettings"]!.AsObject(); var q = s["ReferralQueueName"]!.DeepClone(); s.Remove("ReferralQueueName"); s["ReferralsQueueName"] = q; }), "ReferralsQueueName, which the code does not read" },
        { "partner setting template renamed in Bicep", i => i.WithVariables("functionapp", v => v["partnerSettings"] = v["partnerSettings"]!.ToString().Replace("Partners__{0}__KeySha256", "Partner__{0}__KeySha256", StringComparison.Ordinal)), "Partner__test-partner__KeySha256, which the code does not read" },
        { "unknown local setting", i => i with { LocalSettingsSample = i.LocalSettingsSample.Replace("\"Values\": {", "\"Values\": {\n    \"ReferalQueueName\": \"x\",", StringComparison.Ordinal) }, "ReferalQueueName, which the code does not read" },
        { "a queue function's setting renamed", i => i with { FunctionsMetadata = i.FunctionsMetadata.Replace("%ReferralQueueName%", "%QueueName%", StringComparison.Ordinal) }, "reads its queue name from QueueName" },
        { "a queue function on another connection", i => i with { FunctionsMetadata = i.FunctionsMetadata.Replace("\"connection\": \"AzureWebJobsStorage\"", "\"connection\": \"Storage\"", StringComparison.Ordinal) }, "uses a storage connection other than" },
        { "host.json maxDequeueCount", i => i with { HostJson = i.HostJson.Replace("\"maxDequeueCount\": 5", "\"maxDequeueCount\": 3", StringComparison.Ordinal) }, "maxDequeueCount" },
        { "host.json back to a custom handler", i => i with { HostJson = i.HostJson.Replace("\"version\": \"2.0\",", "\"version\": \"2.0\", \"customHandler\": {},", StringComparison.Ordinal) }, "customHandler" },
        { "public blob access", i => i.WithResource(Storage, r => r["properties"]!["allowBlobPublicAccess"] = true), "public blob access" },
        { "shared keys", i => i.WithResource(Storage, r => r["properties"]!["allowSharedKeyAccess"] = true), "shared-key access" },
        { "shared keys by parameter", i => i.WithResource(Storage, r => r["properties"]!["allowSharedKeyAccess"] = "[parameters('allowSharedKeys')]"), "shared-key access" },
        { "TLS 1.0", i => i.WithResource(Storage, r => r["properties"]!["minimumTlsVersion"] = "TLS1_0"), "TLS 1.2" },
        { "plain HTTP to storage", i => i.WithResource(Storage, r => r["properties"]!.AsObject().Remove("supportsHttpsTrafficOnly")), "plain HTTP" },
        { "HTTP allowed", i => i.WithResource(Site, r => r["properties"]!["httpsOnly"] = false), "HTTPS only" },
        { "FTP allowed", i => i.WithResource(Site, r => r["properties"]!["siteConfig"]!["ftpsState"] = "AllAllowed"), "allows FTP" },
        { "back to a custom handler", i => i.WithResource(Site, r => r["properties"]!["functionAppConfig"]!["runtime"]!["name"] = "custom"), "isolated worker" },
        { "an older .NET", i => i.WithResource(Site, r => r["properties"]!["functionAppConfig"]!["runtime"]!["version"] = "8.0"), ".NET 10" },
        { "no managed identity", i => i.WithResource(Site, r => r["identity"]!["type"] = "None"), "managed identity" },
        { "purge protection off", i => i.WithResource(Vault, r => r["properties"]!["enablePurgeProtection"] = false), "purge protection" },
        { "Key Vault access policies", i => i.WithResource(Vault, r => r["properties"]!["enableRbacAuthorization"] = false), "RBAC" },
        { "storage open to the internet", i => i.WithResource(Storage, r => r["properties"]!["publicNetworkAccess"] = "Enabled"), "storage is reachable from the public internet" },
        { "Key Vault open to the internet", i => i.WithResource(Vault, r => r["properties"]!["publicNetworkAccess"] = "Enabled"), "Key Vault is reachable from the public internet" },
        { "no VNet integration", i => i.WithResource(Site, r => r["properties"]!.AsObject().Remove("virtualNetworkSubnetId")), "not integrated with the network" },
        { "blob reads not logged", i => i.WithResource("Microsoft.Insights/diagnosticSettings", r => { foreach (var l in r["properties"]!["logs"]!.AsArray()) { if (l!["category"]!.ToString() == "StorageRead") { l["enabled"] = false; } } }), "blob reads are not logged" },
        { "Blob Data Owner on the account", i => i.WithResource("Microsoft.Authorization/roleAssignments", r => { if (r["scope"]?.ToString().Contains("containers", StringComparison.Ordinal) == true) { r["scope"] = "[format('Microsoft.Storage/storageAccounts/{0}', parameters('name'))]"; } }), "granted on the whole account" },
        { "WAF in detection mode", i => i.WithResource("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies", r => r["properties"]!["policySettings"]!["mode"] = "Detection"), "the WAF only detects" },
        { "storage key in a setting", i => i.WithVariables("functionapp", v => v["baseSettings"]!["AzureWebJobsStorage"] = "[format('AccountKey={0}', listKeys(parameters('storageAccountName'), '2025-06-01').keys[0].value)]"), "storage key" },
    };

    [Theory]
    [MemberData(nameof(OneChangeInOnePlace))]
    public void A_name_or_property_changed_in_one_place_only_is_caught(string change, Func<DriftInputs, DriftInputs> mutate, string expected)
    {
        var repo = DriftInputs.FromRepo(compiled.Infra);
        var mutated = mutate(repo);
        Assert.NotEqual(repo, mutated); // the change really happened

        var problems = Check(mutated);

        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"{change}: expected a problem mentioning '{expected}', got: {string.Join(" | ", problems)}");
    }

    [Fact]
    public async Task An_insecure_template_that_compiles_clean_is_caught_on_its_compiled_json()
    {
        var copy = BicepCompiler.CopyOfInfra((name, text) => name == "modules/storage.bicep"
            ? text.Replace("allowSharedKeyAccess: false", "allowSharedKeyAccess: true", StringComparison.Ordinal)
            : text);
        try
        {
            var insecure = await BicepCompiler.CompileAsync(copy);
            Assert.True(insecure.Clean, string.Join('\n', insecure.Diagnostics)); // Bicep itself has nothing against it

            var problems = Check(DriftInputs.FromRepo(insecure));

            Assert.Contains(problems, p => p.Contains("shared-key access", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
