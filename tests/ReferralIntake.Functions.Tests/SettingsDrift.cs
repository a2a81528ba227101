using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReferralIntake.Functions.Hosting;
using ReferralIntake.Functions.Tests.Infra;

namespace ReferralIntake.Functions.Tests;

/// <summary>The files whose settings and names must agree: the app's as text, the infra as compiled ARM JSON.</summary>
public sealed record DriftInputs(
    string LocalSettingsSample,
    string HostJson,
    string FunctionsMetadata,
    JsonObject MainTemplate,
    JsonObject DeploymentParameters)
{
    /// <summary>The parameter file whose deployment is checked: it names a partner and a destination, so
    /// the per-partner and per-destination settings appear in the evaluated app settings.</summary>
    public const string ParameterFile = "main.dev.bicepparam";

    public static DriftInputs FromRepo(CompiledInfra infra)
    {
        var root = Support.RepoPaths.Root;
        var app = Path.Combine(root, "functions", "ReferralIntake.Functions");
        return new DriftInputs(
            File.ReadAllText(Path.Combine(root, "local.settings.sample.json")),
            File.ReadAllText(Path.Combine(app, "host.json")),
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")), // the worker's own list, from its build
            infra.Main.DeepClone().AsObject(),
            infra.ParameterFiles[ParameterFile]["parameters"]!.DeepClone().AsObject());
    }

    public ArmTemplate Deployment => new(MainTemplate, DeploymentParameters);

    /// <summary>A copy whose compiled template has <paramref name="edit"/> applied to every resource of <paramref name="type"/> (at any module depth).</summary>
    public DriftInputs WithResource(string type, Action<JsonObject> edit)
    {
        var copy = MainTemplate.DeepClone().AsObject();
        var edited = 0;
        void Visit(JsonNode? resources)
        {
            foreach (var resource in resources?.AsArray() ?? [])
            {
                if ((string?)resource!["type"] == type)
                {
                    edit(resource.AsObject());
                    edited++;
                }

                if (resource["properties"] is JsonObject { } properties && properties["template"] is JsonObject nested)
                {
                    Visit(nested["resources"]);
                }
            }
        }

        Visit(copy["resources"]);
        return edited > 0 ? this with { MainTemplate = copy } : throw new InvalidOperationException($"No {type} in the template");
    }

    /// <summary>A copy whose template (main, or the module deployed as <paramref name="module"/>) has <paramref name="edit"/> applied to its variables.</summary>
    public DriftInputs WithVariables(string? module, Action<JsonObject> edit)
    {
        var copy = MainTemplate.DeepClone().AsObject();
        var template = module is null ? copy
            : copy["resources"]!.AsArray().Single(r => (string?)r!["name"] == module)!["properties"]!["template"]!.AsObject();
        edit(template["variables"]!.AsObject());
        return this with { MainTemplate = copy };
    }
}

/// <summary>
/// Finds drift between the code's settings catalogue, local.settings.sample.json, host.json, the
/// worker's functions.metadata and the Bicep; and checks the security properties the infra must have.
/// Returns the problems, in words; none means no drift.
/// </summary>
public static partial class SettingsDrift
{
    public static List<string> Check(DriftInputs inputs, IReadOnlyList<SettingSpec> catalogue)
    {
        var problems = new List<string>();
        var local = JsonDocument.Parse(inputs.LocalSettingsSample).RootElement.GetProperty("Values")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        var deployment = inputs.Deployment;
        var settingsResources = deployment.OfType("Microsoft.Web/sites/config").Where(r => r.LeafName == "appsettings").ToList();
        var appSettings = settingsResources.Count == 1 && settingsResources[0].Get("properties") is JsonObject evaluated ? evaluated : null;
        if (appSettings is null)
        {
            problems.Add("the compiled template has no app settings that evaluate to an object (Microsoft.Web/sites/config 'appsettings')");
            appSettings = [];
        }

        var azure = appSettings.Select(p => p.Key).ToList();
        string? AzureSetting(string name) => appSettings[name] is JsonValue v ? v.ToString() : null;
        bool Known(string key) => catalogue.Any(s => Matches(s.Name, key));

        foreach (var key in local.Keys.Where(k => !Known(k)))
        {
            problems.Add($"local.settings.sample.json has {key}, which the code does not read");
        }

        foreach (var key in azure.Where(k => !Known(k)))
        {
            problems.Add($"the Bicep app settings have {key}, which the code does not read");
        }

        foreach (var spec in catalogue)
        {
            if (spec.RequiredIn.HasFlag(SettingPlace.Local) && !local.Keys.Any(k => Matches(spec.Name, k)))
            {
                problems.Add($"{spec.Name} ({spec.Purpose}) is missing from local.settings.sample.json");
            }

            if (spec.RequiredIn.HasFlag(SettingPlace.Azure) && !azure.Any(k => Matches(spec.Name, k)))
            {
                problems.Add($"{spec.Name} ({spec.Purpose}) is missing from the Bicep app settings");
            }
        }

        // Queues and containers: every one the app reads exists in the compiled template, by the name
        // Azure's app settings give it, each queue with its poison queue; locally the same names.
        var queueNames = deployment.OfType("Microsoft.Storage/storageAccounts/queueServices/queues").Select(r => r.LeafName).ToHashSet();
        var containers = deployment.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(r => r.LeafName).ToHashSet();
        foreach (var (setting, kind, existing) in new[] { (SettingNames.QueueName, "queue", queueNames), (SettingNames.ContainerName, "container", containers) })
        {
            var inAzure = AzureSetting(setting);
            if (local.GetValueOrDefault(setting) != inAzure)
            {
                problems.Add($"{kind} name differs: local.settings.sample.json says {local.GetValueOrDefault(setting)}, the Bicep app setting {setting} says {inAzure}");
            }

            if (inAzure is null || !existing.Contains(inAzure))
            {
                problems.Add($"the Bicep does not create the {kind} {inAzure} that the app setting {setting} names");
            }
        }

        // The containers named after the report container: feedback (kept apart) and the statistics' aggregate.
        foreach (var suffix in new[] { "feedback", "statistics" })
        {
            if (AzureSetting(SettingNames.ContainerName) is { } reports && !containers.Contains($"{reports}-{suffix}"))
            {
                problems.Add($"the Bicep does not create the container {reports}-{suffix} that the app uses");
            }
        }

        foreach (var queue in QueueSettings(inputs.FunctionsMetadata).Select(AzureSetting).Where(q => q is not null).Append(AzureSetting(SettingNames.QueueName)).Distinct())
        {
            if (!queueNames.Contains($"{queue}-poison"))
            {
                problems.Add($"the Bicep does not create the poison queue {queue}-poison");
            }
        }

        // host.json: the queue triggers' settings (the Functions host reads them), and nothing of the custom handler.
        var host = JsonNode.Parse(inputs.HostJson)!.AsObject();
        var queues = host["extensions"]?["queues"];
        if ((int?)queues?["maxDequeueCount"] != new QueueTriggerOptions().MaxDequeueCount)
        {
            problems.Add($"host.json maxDequeueCount {queues?["maxDequeueCount"]} differs from the queue functions' default last try {new QueueTriggerOptions().MaxDequeueCount}");
        }

        if ((int?)queues?["batchSize"] != 16 || (int?)queues?["newBatchThreshold"] != 8)
        {
            problems.Add("host.json batchSize/newBatchThreshold are not 16/8");
        }

        if (queues?["visibilityTimeout"] is null || queues["maxPollingInterval"] is null)
        {
            problems.Add("host.json does not set the queues' visibilityTimeout and maxPollingInterval");
        }

        if ((string?)queues?["messageEncoding"] != "base64")
        {
            problems.Add("host.json messageEncoding is not base64, which the app's queue clients use");
        }

        foreach (var stale in new[] { "customHandler", "extensionBundle" }.Where(host.ContainsKey))
        {
            problems.Add($"host.json has {stale}, which an isolated worker does not use");
        }

        if ((string?)host["extensions"]?["http"]?["routePrefix"] != "")
        {
            problems.Add("host.json routePrefix must be empty: the functions' routes carry the app's own paths");
        }

        // functions.metadata: each queue trigger reads its queue name from a setting set locally and in Azure,
        // through the AzureWebJobsStorage connection.
        foreach (var function in JsonNode.Parse(inputs.FunctionsMetadata)!.AsArray())
        {
            foreach (var binding in function!["bindings"]!.AsArray().Where(b => (string?)b!["type"] == "queueTrigger"))
            {
                var name = (string?)function["name"];
                var queueSetting = ((string?)binding!["queueName"] ?? "").Trim('%');
                if (!local.ContainsKey(queueSetting) || !azure.Contains(queueSetting))
                {
                    problems.Add($"the function {name} reads its queue name from {queueSetting}, which is not set both locally and in Bicep");
                }

                if ((string?)binding["connection"] != SettingNames.StorageConnection)
                {
                    problems.Add($"the function {name} uses a storage connection other than {SettingNames.StorageConnection}");
                }
            }
        }

        // Security properties as the infra issue states them, on every resource of the type.
        var accounts = deployment.OfType("Microsoft.Storage/storageAccounts").ToList();
        if (accounts.Count == 0)
        {
            problems.Add("the compiled template has no storage account");
        }

        foreach (var account in accounts)
        {
            Expect(account, "properties.allowBlobPublicAccess", false, "storage allows public blob access", problems);
            Expect(account, "properties.minimumTlsVersion", "TLS1_2", "storage does not require TLS 1.2", problems);
            Expect(account, "properties.allowSharedKeyAccess", false, "storage allows shared-key access", problems);
            Expect(account, "properties.supportsHttpsTrafficOnly", true, "storage allows plain HTTP", problems);
            Expect(account, "properties.publicNetworkAccess", "Disabled", "storage is reachable from the public internet", problems);
            Expect(account, "properties.networkAcls.defaultAction", "Deny", "storage's firewall admits by default", problems);
        }

        // The security issue: private endpoints, logged reads, roles on containers and queues only.
        var endpointKinds = deployment.OfType("Microsoft.Network/privateEndpoints")
            .SelectMany(e => e.Get("properties.privateLinkServiceConnections")?.AsArray() ?? [])
            .Select(c => c?["properties"]?["groupIds"]?[0]?.ToString()).ToHashSet();
        foreach (var kind in new[] { "blob", "queue", "vault" })
        {
            if (!endpointKinds.Contains(kind))
            {
                problems.Add($"no private endpoint for {kind}");
            }
        }

        if (!deployment.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups").Any())
        {
            problems.Add("the private endpoints have no private DNS records");
        }

        var diagnostics = deployment.OfType("Microsoft.Insights/diagnosticSettings").ToList();
        bool Logs(string category) => diagnostics.Any(d => (d.Get("properties.logs")?.AsArray() ?? []).Any(l => l?["category"]?.ToString() == category && l?["enabled"]?.GetValue<bool>() == true));
        if (!Logs("StorageRead"))
        {
            problems.Add("blob reads are not logged");
        }

        if (!Logs("AuditEvent"))
        {
            problems.Add("Key Vault access is not logged");
        }

        string[] storageDataRoles = ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "ba92f5b4-2d11-453d-a403-e96b0029c9fe", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"];
        foreach (var assignment in deployment.OfType("Microsoft.Authorization/roleAssignments"))
        {
            var role = assignment.Get("properties.roleDefinitionId")?.ToString() ?? "";
            var scope = assignment.Json["scope"]?.ToString() ?? "";
            if (storageDataRoles.Any(role.Contains) && !(scope.Contains("containers", StringComparison.Ordinal) || scope.Contains("queues", StringComparison.Ordinal)))
            {
                problems.Add($"a storage data role is granted on the whole account, not a container or queue ({scope})");
            }
        }

        foreach (var waf in deployment.OfType("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"))
        {
            Expect(waf, "properties.policySettings.mode", "Prevention", "the WAF only detects", problems);
        }

        if (!deployment.OfType("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies").Any())
        {
            problems.Add("there is no WAF in front of the app");
        }

        if (!deployment.OfType("Microsoft.Web/sites/config").Any(c => c.Get("properties.ipSecurityRestrictionsDefaultAction")?.ToString() == "Deny"
            && (c.Get("properties.ipSecurityRestrictions")?.AsArray() ?? []).Any(r => r?["ipAddress"]?.ToString() == "AzureFrontDoor.Backend" && r?["headers"]?["x-azure-fdid"] is not null)))
        {
            problems.Add("the app does not admit only its own Front Door");
        }

        var vaults = deployment.OfType("Microsoft.KeyVault/vaults").ToList();
        if (vaults.Count == 0)
        {
            problems.Add("the compiled template has no Key Vault");
        }

        foreach (var vault in vaults)
        {
            Expect(vault, "properties.enableRbacAuthorization", true, "Key Vault does not use RBAC", problems);
            Expect(vault, "properties.enableSoftDelete", true, "Key Vault soft delete is off", problems);
            Expect(vault, "properties.enablePurgeProtection", true, "Key Vault purge protection is off", problems);
            Expect(vault, "properties.publicNetworkAccess", "Disabled", "Key Vault is reachable from the public internet", problems);
        }

        var sites = deployment.OfType("Microsoft.Web/sites").ToList();
        if (sites.Count != 1)
        {
            problems.Add($"the compiled template has {sites.Count} function apps, not one");
        }

        foreach (var site in sites)
        {
            Expect(site, "properties.httpsOnly", true, "the function app is not HTTPS only", problems);
            Expect(site, "properties.siteConfig.ftpsState", "Disabled", "the function app allows FTP", problems);
            Expect(site, "properties.functionAppConfig.runtime.name", "dotnet-isolated", "the function app does not run the isolated worker", problems);
            Expect(site, "properties.functionAppConfig.runtime.version", "10.0", "the function app does not run .NET 10", problems);
            Expect(site, "identity.type", "UserAssigned", "the function app does not run as its user-assigned managed identity", problems);
            Expect(site, "properties.siteConfig.vnetRouteAllEnabled", true, "the function app's outbound traffic does not all go through its network", problems);
            if (site.Json["properties"]?["virtualNetworkSubnetId"] is null)
            {
                problems.Add("the function app is not integrated with the network");
            }
            if (site.Get("properties.functionAppConfig.deployment.storage.authentication.type")?.ToString() != "UserAssignedIdentity")
            {
                problems.Add("the function app's deployment storage is not reached with its managed identity");
            }
        }

        if (AzureSetting("AzureWebJobsStorage__credential") != "managedidentity")
        {
            problems.Add("the app's storage connection does not use its managed identity (AzureWebJobsStorage__credential)");
        }

        var compiled = inputs.MainTemplate.ToJsonString();
        if (compiled.Contains("AccountKey", StringComparison.Ordinal) || compiled.Contains("listKeys(", StringComparison.Ordinal))
        {
            problems.Add("the compiled template uses a storage key");
        }

        return problems;
    }

    /// <summary>The app settings that the worker's queue triggers read their queue names from.</summary>
    private static IEnumerable<string> QueueSettings(string functionsMetadata) =>
        JsonNode.Parse(functionsMetadata)!.AsArray()
            .SelectMany(f => f!["bindings"]!.AsArray())
            .Where(b => (string?)b!["type"] == "queueTrigger")
            .Select(b => ((string?)b!["queueName"] ?? "").Trim('%'));

    private static void Expect(ArmResource resource, string path, object expected, string problem, List<string> problems)
    {
        var actual = resource.Get(path);
        var matches = expected switch
        {
            bool b => actual is JsonValue v && v.TryGetValue<bool>(out var got) && got == b,
            _ => actual?.ToString() == expected.ToString(),
        };
        if (!matches)
        {
            problems.Add($"{problem} ({resource.Type} {resource.Name}: {path} is {actual?.ToJsonString() ?? "absent"})");
        }
    }

    /// <summary>"Partners__{id}__KeySha256" matches Partners__acme__KeySha256 (and the Bicep template's own "{id}").</summary>
    private static bool Matches(string pattern, string key) =>
        Regex.IsMatch(key, "^" + Regex.Escape(pattern).Replace(@"\{id}", "[A-Za-z0-9{}._-]+", StringComparison.Ordinal) + "$");
}
