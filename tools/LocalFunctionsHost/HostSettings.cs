using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocalFunctionsHost;

/// <summary>What the local host was asked to run, from its command line.</summary>
internal sealed record HostSettings(string ScriptRoot, int HttpPort, string? LocalSettingsFile, TimeSpan QueueLease)
{
    public const string Usage =
        "usage: LocalFunctionsHost --script-root <the published worker's folder> [--port 7071] " +
        "[--settings <local.settings.json>] [--queue-lease <seconds, default 600>]";

    public static HostSettings Parse(IConfiguration args)
    {
        var root = args["script-root"] ?? throw new ArgumentException("--script-root is required. " + Usage);
        root = Path.GetFullPath(root);
        if (!File.Exists(Path.Combine(root, "worker.config.json")))
        {
            throw new ArgumentException($"{root} has no worker.config.json: build or publish the function app first. " + Usage);
        }

        return new HostSettings(
            root,
            int.Parse(args["port"] ?? "7071", System.Globalization.CultureInfo.InvariantCulture),
            args["settings"],
            TimeSpan.FromSeconds(double.Parse(args["queue-lease"] ?? "600", System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>
/// The app settings the worker sees, as <c>func start</c> builds them: local.settings.json's Values, then the
/// host's own environment (a variable the caller set wins), then what the host itself must say. The host reads
/// its own settings (storage connections, %binding expressions%) from the same set.
/// </summary>
internal sealed class AppSettings
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public AppSettings(HostSettings host)
    {
        if (host.LocalSettingsFile is { } file && File.Exists(file))
        {
            var values = JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })?["Values"]?.AsObject();
            foreach (var (key, value) in values ?? [])
            {
                _values[key] = value?.ToString() ?? "";
            }
        }

        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            _values[(string)variable.Key] = (string?)variable.Value ?? "";
        }

        AddHostSettings(host);
    }

    /// <summary>A given set in full (a test's), with nothing from the environment.</summary>
    public AppSettings(HostSettings host, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            _values[key] = value;
        }

        AddHostSettings(host);
    }

    private void AddHostSettings(HostSettings host)
    {
        _values["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        _values["FUNCTIONS_APPLICATION_DIRECTORY"] = host.ScriptRoot;
        _values.TryAdd("AZURE_FUNCTIONS_ENVIRONMENT", "Development");
    }

    public IReadOnlyDictionary<string, string> All => _values;

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    /// <summary>Resolves a binding's "%Setting%" expressions, as the host does; a missing setting is an error, named.</summary>
    public string Resolve(string expression) =>
        System.Text.RegularExpressions.Regex.Replace(expression, "%([^%]+)%", m =>
            this[m.Groups[1].Value] ?? throw new InvalidOperationException($"The binding expression '{m.Value}' names a setting that is not set."));
}

/// <summary>
/// The parts of host.json the local host applies, with the Functions host's defaults. As in Azure, an app
/// setting named AzureFunctionsJobHost__path__to__value overrides that value of host.json.
/// </summary>
internal sealed record HostJson(string RoutePrefix, QueueSettings Queues)
{
    private const string OverridePrefix = "AzureFunctionsJobHost__";

    public static HostJson Read(string scriptRoot, AppSettings settings)
    {
        var path = Path.Combine(scriptRoot, "host.json");
        var json = File.Exists(path)
            ? JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
            : new JsonObject();
        foreach (var (name, value) in settings.All.Where(s => s.Key.StartsWith(OverridePrefix, StringComparison.OrdinalIgnoreCase)))
        {
            var node = json!;
            var segments = name[OverridePrefix.Length..].Split("__");
            foreach (var part in segments[..^1])
            {
                node = node[part] ??= new JsonObject();
            }

            node[segments[^1]] = int.TryParse(value, out var number) ? JsonValue.Create(number) : JsonValue.Create(value);
        }

        var extensions = json?["extensions"];
        var queues = extensions?["queues"];
        var batchSize = queues?["batchSize"]?.GetValue<int>() ?? 16;
        return new HostJson(
            extensions?["http"]?["routePrefix"]?.GetValue<string>() ?? "api",
            new QueueSettings(
                batchSize,
                queues?["newBatchThreshold"]?.GetValue<int>() ?? batchSize / 2,
                queues?["maxDequeueCount"]?.GetValue<int>() ?? 5,
                Duration(queues?["visibilityTimeout"], TimeSpan.Zero),
                Duration(queues?["maxPollingInterval"], TimeSpan.FromMinutes(1)),
                !string.Equals(queues?["messageEncoding"]?.GetValue<string>(), "none", StringComparison.OrdinalIgnoreCase)));
    }

    private static TimeSpan Duration(JsonNode? node, TimeSpan fallback) =>
        node is null ? fallback : TimeSpan.Parse(node.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>host.json's "extensions.queues", the settings the Functions host's queue listener keeps.</summary>
internal sealed record QueueSettings(int BatchSize, int NewBatchThreshold, int MaxDequeueCount, TimeSpan VisibilityTimeout, TimeSpan MaxPollingInterval, bool Base64);
