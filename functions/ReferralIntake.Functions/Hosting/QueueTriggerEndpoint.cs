using System.Globalization;
using System.Text.Json;

namespace ReferralIntake.Functions.Hosting;

/// <summary>A queue-triggered function: throw to have the message tried again; after the last try it goes to poison.</summary>
public interface IQueueFunction
{
    /// <param name="message">The queue message: a claim check, never report content.</param>
    /// <param name="dequeueCount">How many times the message has been received, this time included.</param>
    /// <param name="maxDequeueCount">The try after which the message goes to the poison queue.</param>
    Task RunAsync(string message, long dequeueCount, int maxDequeueCount, CancellationToken ct);
}

/// <summary>
/// POST /{FunctionName}: how the Azure Functions host invokes the queue trigger of a custom handler.
/// The host sends { "Data": { "message": … }, "Metadata": { "DequeueCount": …, "Id": …, … } } and reads
/// back { "Outputs", "Logs", "ReturnValue" }. A non-success status tells the host the invocation failed,
/// so it makes the message visible again and, after maxDequeueCount (host.json), moves it to poison.
/// </summary>
public static class QueueTriggerEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, IQueueFunction function, QueueListenerOptions options, CancellationToken ct)
    {
        JsonDocument payload;
        try
        {
            payload = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return Failed("The invocation payload is not JSON.", StatusCodes.Status400BadRequest);
        }

        using (payload)
        {
            var root = payload.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("message", out var messageElement))
            {
                return Failed("The invocation payload has no Data.message.", StatusCodes.Status400BadRequest);
            }

            // The host passes a queue message as a JSON string (sometimes holding a JSON-quoted string).
            var message = messageElement.ValueKind == JsonValueKind.String ? messageElement.GetString() ?? "" : messageElement.GetRawText();
            var dequeueCount = ReadDequeueCount(root);
            try
            {
                await function.RunAsync(message, dequeueCount, options.MaxDequeueCount, ct).ConfigureAwait(false);
                return TypedResults.Ok(new InvocationResult([], [$"Processed on try {dequeueCount}"], null));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                return Failed($"Failed on try {dequeueCount}: {e.GetType().Name}", StatusCodes.Status500InternalServerError);
            }
        }
    }

    private static long ReadDequeueCount(JsonElement root)
    {
        if (root.TryGetProperty("Metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("DequeueCount", out var count))
        {
            if (count.ValueKind == JsonValueKind.Number && count.TryGetInt64(out var n))
            {
                return n;
            }

            if (count.ValueKind == JsonValueKind.String && long.TryParse(count.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
            {
                return n;
            }
        }

        return 1;
    }

    private static IResult Failed(string log, int status) =>
        TypedResults.Json(new InvocationResult([], [log], null), Serialization.AppJsonContext.Default.InvocationResult, statusCode: status);
}
