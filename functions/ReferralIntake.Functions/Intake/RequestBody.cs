using Microsoft.AspNetCore.Http.Features;

namespace ReferralIntake.Functions.Intake;

/// <summary>Reads a request body up to a limit, refusing more without reading it all into memory.</summary>
public static class RequestBody
{
    /// <summary>The body, or null when it is larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        // Lower the server's own cap to ours for this request, where it can still be changed.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + 1L;
        }

        var buffer = new byte[Math.Clamp((int?)request.ContentLength ?? 16 * 1024, 1024, maxBytes + 1)];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > maxBytes)
                    {
                        return null;
                    }

                    Array.Resize(ref buffer, Math.Min(maxBytes + 1, buffer.Length * 2));
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return length > maxBytes ? null : buffer.AsMemory(0, length);
    }

    /// <summary>
    /// A small JSON body for an isolated-worker function, read up to a limit with the app's JSON context: the
    /// value (null for an empty body), or the problem to answer (413 over the limit, 400 for JSON that does not fit).
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, int maxBytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string shape)
    {
        if (await ReadAsync(request, maxBytes, request.HttpContext.RequestAborted).ConfigureAwait(false) is not { } body)
        {
            return (default, Api.Problems.TooLarge(maxBytes));
        }

        try
        {
            return (body.Length == 0 ? default : System.Text.Json.JsonSerializer.Deserialize(body.Span, type), null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (default, Api.Problems.InvalidRequest("body", $"The body is not JSON of the form {shape}."));
        }
    }
}
