using System.Text.Json.Serialization;

namespace ReferralIntake.Functions.Hosting;

/// <summary>
/// What a custom handler answers the Functions host for a non-HTTP trigger (queue, timer). The host's
/// names are PascalCase, whatever the app's JSON defaults are.
/// </summary>
public sealed record InvocationResult(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] object? ReturnValue);
