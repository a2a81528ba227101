using System.Text.Json;
using System.Text.RegularExpressions;
using ReferralIntake.Functions.Hosting;

namespace ReferralIntake.Functions.Tests;

/// <summary>The files whose settings and names must agree, as text.</summary>
public sealed record DriftInputs(
    string LocalSettingsSample,
    string HostJson,
    IReadOnlyDictionary<string, string> FunctionJsons,
    string MainBicep,
    string StorageBicep,
    string FunctionAppBicep,
    string KeyVaultBicep)
{
    public static DriftInputs FromRepo()
    {
        var root = Support.RepoPaths.Root;
        var app = Path.Combine(root, "functions", "ReferralIntake.Functions");
        string Read(params string[] parts) => File.ReadAllText(Path.Combine([root, .. parts]));
        return new DriftInputs(
            Read("local.settings.sample.json"),
            File.ReadAllText(Path.Combine(app, "host.json")),
            Directory.GetDirectories(app)
                .Where(d => File.Exists(Path.Combine(d, "function.json")))
                .ToDictionary(d => Path.GetFileName(d), d => File.ReadAllText(Path.Combine(d, "function.json"))),
            Read("infra", "main.bicep"),
            Read("infra", "modules", "storage.bicep"),
            Read("infra", "modules", "functionapp.bicep"),
            Read("infra", "modules", "keyvault.bicep"));
    }
}

/// <summary>
/// Finds drift between the code's settings catalogue, local.settings.sample.json, host.json, the
/// function.json files and the Bicep; and checks the security properties the infra must have.
/// Returns the problems, in words; none means no drift.
/// </summary>
public static partial class SettingsDrift
{
    public static List<string> Check(DriftInputs inputs, IReadOnlyList<SettingSpec> catalogue, QueueListenerOptions listener, IReadOnlyCollection<string> appRoutes)
    {
        var problems = new List<string>();
        var local = JsonDocument.Parse(inputs.LocalSettingsSample).RootElement.GetProperty("Values")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        var azure = BicepAppSettings(inputs.FunctionAppBicep);
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

        // Queue and container names: one value everywhere.
        var bicepQueue = BicepVar(inputs.MainBicep, "queueName");
        var bicepContainer = BicepVar(inputs.MainBicep, "containerName");
        if (local.GetValueOrDefault(SettingNames.QueueName) != bicepQueue)
        {
            problems.Add($"queue name differs: local.settings.sample.json says {local.GetValueOrDefault(SettingNames.QueueName)}, main.bicep says {bicepQueue}");
        }

        if (local.GetValueOrDefault(SettingNames.ContainerName) != bicepContainer)
        {
            problems.Add($"container name differs: local.settings.sample.json says {local.GetValueOrDefault(SettingNames.ContainerName)}, main.bicep says {bicepContainer}");
        }

        Require(inputs.StorageBicep, "name: '${queueName}-poison'", "storage.bicep does not create the poison queue as {queue}-poison", problems);
        Require(inputs.StorageBicep, "name: queueName", "storage.bicep does not create the referrals queue", problems);
        Require(inputs.StorageBicep, "name: containerName", "storage.bicep does not create the report container", problems);
        Require(inputs.FunctionAppBicep, "ReferralQueueName: queueName", "the app setting ReferralQueueName is not the queue Bicep creates", problems);
        Require(inputs.FunctionAppBicep, "ReferralContainerName: containerName", "the app setting ReferralContainerName is not the container Bicep creates", problems);

        // host.json: the queue trigger's contract, which the standalone listener keeps too.
        var host = JsonDocument.Parse(inputs.HostJson).RootElement;
        var queues = host.GetProperty("extensions").GetProperty("queues");
        if (queues.GetProperty("maxDequeueCount").GetInt32() != listener.MaxDequeueCount)
        {
            problems.Add($"host.json maxDequeueCount {queues.GetProperty("maxDequeueCount")} differs from the listener's {listener.MaxDequeueCount}");
        }

        if (queues.GetProperty("batchSize").GetInt32() != listener.BatchSize || queues.GetProperty("newBatchThreshold").GetInt32() != listener.NewBatchThreshold)
        {
            problems.Add("host.json batchSize/newBatchThreshold differ from the listener's");
        }

        if (TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture).TotalSeconds != listener.RetryDelaySeconds)
        {
            problems.Add("host.json visibilityTimeout differs from the listener's RetryDelaySeconds");
        }

        if (queues.GetProperty("messageEncoding").GetString() != "base64")
        {
            problems.Add("host.json messageEncoding is not base64, which the app's queue clients use");
        }

        if (host.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString() != "ReferralIntake.Functions")
        {
            problems.Add("host.json customHandler does not name the ReferralIntake.Functions executable");
        }

        if (host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString() != "")
        {
            problems.Add("host.json routePrefix must be empty: the function.json routes carry the app's own paths");
        }

        // function.json: each trigger's names exist, and each HTTP route is one the app serves.
        foreach (var (function, json) in inputs.FunctionJsons)
        {
            foreach (var binding in JsonDocument.Parse(json).RootElement.GetProperty("bindings").EnumerateArray())
            {
                switch (binding.GetProperty("type").GetString())
                {
                    case "queueTrigger":
                        var queueSetting = binding.GetProperty("queueName").GetString()!.Trim('%');
                        if (!local.ContainsKey(queueSetting) || !azure.Contains(queueSetting))
                        {
                            problems.Add($"{function}/function.json reads the queue name from {queueSetting}, which is not set both locally and in Bicep");
                        }

                        if (binding.GetProperty("connection").GetString() != SettingNames.StorageConnection)
                        {
                            problems.Add($"{function}/function.json uses a storage connection other than {SettingNames.StorageConnection}");
                        }

                        break;
                    case "httpTrigger":
                        var route = binding.GetProperty("route").GetString()!;
                        var served = route.EndsWith("{*path}", StringComparison.Ordinal)
                            ? appRoutes.Any(r => r.StartsWith(route[..^"{*path}".Length], StringComparison.Ordinal))
                            : appRoutes.Contains(route);
                        if (!served)
                        {
                            problems.Add($"{function}/function.json routes {route}, which the app does not serve");
                        }

                        break;
                }
            }
        }

        // Security properties as the infra issue states them.
        Require(inputs.StorageBicep, "allowBlobPublicAccess: false", "storage allows public blob access", problems);
        Require(inputs.StorageBicep, "minimumTlsVersion: 'TLS1_2'", "storage does not require TLS 1.2", problems);
        Require(inputs.StorageBicep, "allowSharedKeyAccess: false", "storage allows shared-key access", problems);
        Require(inputs.StorageBicep, "supportsHttpsTrafficOnly: true", "storage allows plain HTTP", problems);
        Require(inputs.FunctionAppBicep, "httpsOnly: true", "the function app is not HTTPS only", problems);
        Require(inputs.FunctionAppBicep, "ftpsState: 'Disabled'", "the function app allows FTP", problems);
        Require(inputs.FunctionAppBicep, "runtime: { name: 'custom'", "the function app does not run the custom handler", problems);
        Require(inputs.KeyVaultBicep, "enableRbacAuthorization: true", "Key Vault does not use RBAC", problems);
        Require(inputs.KeyVaultBicep, "enableSoftDelete: true", "Key Vault soft delete is off", problems);
        Require(inputs.KeyVaultBicep, "enablePurgeProtection: true", "Key Vault purge protection is off", problems);
        if (inputs.FunctionAppBicep.Contains("AccountKey", StringComparison.Ordinal) || inputs.FunctionAppBicep.Contains("listKeys(", StringComparison.Ordinal))
        {
            problems.Add("the function app's settings use a storage key");
        }

        return problems;
    }

    /// <summary>The app setting names in functionapp.bicep: the keys of baseSettings and the toObject key templates.</summary>
    public static List<string> BicepAppSettings(string bicep)
    {
        var keys = new List<string>();
        var body = BaseSettings().Match(bicep);
        if (body.Success)
        {
            keys.AddRange(SettingKey().Matches(body.Groups[1].Value).Select(m => m.Groups[1].Value));
        }

        keys.AddRange(ToObjectKey().Matches(bicep).Select(m => InterpolatedId().Replace(m.Groups[1].Value, "{id}")));
        return keys;
    }

    private static string? BicepVar(string bicep, string name) =>
        Regex.Match(bicep, $@"^var {name} = '([^']*)'", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : null;

    private static void Require(string text, string needle, string problem, List<string> problems)
    {
        if (!text.Contains(needle, StringComparison.Ordinal))
        {
            problems.Add(problem);
        }
    }

    /// <summary>"Partners__{id}__KeySha256" matches Partners__acme__KeySha256 (and the Bicep template's own "{id}").</summary>
    private static bool Matches(string pattern, string key) =>
        Regex.IsMatch(key, "^" + Regex.Escape(pattern).Replace(@"\{id}", "[A-Za-z0-9{}._-]+", StringComparison.Ordinal) + "$");

    [GeneratedRegex(@"var baseSettings = \{(.*?)\n\}", RegexOptions.Singleline)]
    private static partial Regex BaseSettings();

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*):", RegexOptions.Multiline)]
    private static partial Regex SettingKey();

    [GeneratedRegex(@"toObject\(\w+, \w+ => '([^']+)'")]
    private static partial Regex ToObjectKey();

    [GeneratedRegex(@"\$\{\w+\.id\}")]
    private static partial Regex InterpolatedId();
}
