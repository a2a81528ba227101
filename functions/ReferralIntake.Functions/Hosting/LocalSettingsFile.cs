using System.Text.Json;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// Reads the "Values" of a local.settings.json, as the Functions host does on a developer's machine,
/// so the standalone app and `func start` see the same settings. Environment variables still win.
/// </summary>
public static class LocalSettingsFile
{
    public const string PathSetting = "LocalSettingsFile";

    public static IConfigurationBuilder AddLocalSettingsFile(this IConfigurationBuilder builder, string? path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return builder;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section))
        {
            foreach (var setting in section.EnumerateObject())
            {
                // Functions settings use "__" for nesting, as environment variables do.
                values[setting.Name.Replace("__", ":", StringComparison.Ordinal)] = setting.Value.ToString();
            }
        }

        // Insert before the environment variables so that they keep precedence.
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values };
        var at = builder.Sources.ToList().FindIndex(s => s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource);
        builder.Sources.Insert(at < 0 ? builder.Sources.Count : at, source);
        return builder;
    }
}
