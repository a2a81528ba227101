using System.Text.Json.Nodes;

namespace LocalFunctionsHost;

/// <summary>The trace context an invocation carries to the worker.</summary>
internal static class InvocationTrace
{
    /// <summary>
    /// The host's own recorded activity, else a new sampled one, as the Functions host (which records each
    /// invocation itself) always sends: a parent that was not sampled would make the worker's sampler drop
    /// every span of the invocation, and of the work that follows it.
    /// </summary>
    public static Microsoft.Azure.Functions.Worker.Grpc.Messages.RpcTraceContext Current() => new()
    {
        TraceParent = System.Diagnostics.Activity.Current is { Recorded: true } activity
            ? activity.Id!
            : $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01",
        TraceState = System.Diagnostics.Activity.Current?.TraceStateString ?? "",
    };
}

/// <summary>One function as the worker reported it: its id, name and bindings (the raw JSON the host reads).</summary>
internal sealed record WorkerFunction(string Id, string Name, IReadOnlyList<JsonObject> Bindings)
{
    /// <summary>The trigger binding: the one "in" binding whose type ends in "Trigger".</summary>
    public JsonObject Trigger => Bindings.First(b =>
        b["type"]?.GetValue<string>().EndsWith("Trigger", StringComparison.OrdinalIgnoreCase) == true
        && string.Equals(b["direction"]?.GetValue<string>(), "In", StringComparison.OrdinalIgnoreCase));

    public string TriggerType => Trigger["type"]!.GetValue<string>();

    public string TriggerName => Trigger["name"]!.GetValue<string>();

    public bool Is(string triggerType) => string.Equals(TriggerType, triggerType, StringComparison.OrdinalIgnoreCase);

    public string? TriggerProperty(string name) => Trigger[name]?.GetValue<string>();

    public static WorkerFunction From(Microsoft.Azure.Functions.Worker.Grpc.Messages.RpcFunctionMetadata metadata) =>
        new(metadata.FunctionId, metadata.Name, metadata.RawBindings.Select(b => JsonNode.Parse(b)!.AsObject()).ToList());
}
